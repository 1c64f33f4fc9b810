// The live feed's browser side: one WebSocket to the API's WebSocket endpoint, never in the way of
// the page (the grid loads over HTTP on its own; this only improves what is already shown).
// Events carry a seq; the client applies them in order and asks for what it missed (a gap, or a
// reconnect: hello with the last seq applied). When the server no longer has what was missed, the
// client says "resync" and the grid reloads its rows in place. Reconnects back off exponentially.
import { TASK_STATUSES } from "#contract/constants";
import { COUNTER_KINDS, type Counters, type LiveEvent, type StatusCounts } from "#contract/live";
import { API_URL } from "./api";
import { accessToken } from "./session";

export const WS_URL = (
  import.meta.env?.PUBLIC_WS_URL || API_URL.replace(/^http/, "ws").replace(/:3000$/, ":3001")
).replace(/\/+$/, "");

/** Browsers cannot set headers on a WebSocket: the token rides in the query (the server never logs it). */
export function withToken(url: string, token: string | undefined): string {
  if (!token) return url;
  return `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

export type { LiveEvent };
export type LiveCounters = Counters;

export type LiveStatus = "connecting" | "live" | "offline";

export interface LiveHandlers {
  onEvent: (event: LiveEvent) => void;
  /** What was missed cannot be replayed: reload what is shown. */
  onResync: () => void;
  onStatus: (status: LiveStatus) => void;
  onCounters: (counters: LiveCounters) => void;
}

type SocketFactory = (url: string) => WebSocket;

/**
 * Between pings: they keep the connection and its registration alive, and each pong carries the
 * server's head, so events lost without a gap after them are fetched within a minute.
 */
export const PING_MS = 60_000;

/** Reconnect delays: 0.5 s doubling to 15 s, with jitter so that a restart is not a stampede. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** attempt);
  return Math.round(base / 2 + random() * (base / 2));
}

/** Field by field the larger: counters never move backwards on screen, whatever order messages take. */
export function mergeCounters(current: LiveCounters | null, next: LiveCounters): LiveCounters {
  if (!current) return next;
  const byStatus = {} as LiveCounters["byStatus"];
  for (const kind of COUNTER_KINDS) {
    byStatus[kind] = Object.fromEntries(
      TASK_STATUSES.map((s) => [s, Math.max(current.byStatus[kind][s] ?? 0, next.byStatus[kind][s] ?? 0)]),
    ) as StatusCounts;
  }
  return {
    created: Math.max(current.created, next.created),
    updated: Math.max(current.updated, next.updated),
    deleted: Math.max(current.deleted, next.deleted),
    byStatus,
  };
}

export class LiveFeed {
  private socket: WebSocket | null = null;
  private lastSeq: number | null = null;
  /** Broadcasts received before the sync reply, applied after it. */
  private buffered: LiveEvent[] | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private counters: LiveCounters | null = null;
  private stopped = false;

  constructor(
    private readonly handlers: LiveHandlers,
    private readonly url = WS_URL,
    private readonly createSocket: SocketFactory = (target) => new WebSocket(target),
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    this.socket?.close();
    this.socket = null;
  }

  private connect(): void {
    this.handlers.onStatus("connecting");
    let socket: WebSocket;
    try {
      socket = this.createSocket(withToken(this.url, accessToken()));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.buffered = [];
    socket.onopen = () => {
      socket.send(
        JSON.stringify({ action: "hello", ...(this.lastSeq === null ? {} : { since: this.lastSeq }) }),
      );
      // API Gateway drops a connection idle for 10 minutes; the server also renews (or restores)
      // its registration, and the pong's head shows events that never arrived.
      if (this.pinger) clearInterval(this.pinger);
      this.pinger = setInterval(() => socket.send('{"action":"ping"}'), PING_MS);
    };
    socket.onmessage = (message) => this.receive(String(message.data));
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.pinger) clearInterval(this.pinger);
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.handlers.onStatus("offline");
    if (this.stopped) return;
    const delay = backoffMs(this.attempt++);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private receive(data: string): void {
    let message: {
      type: string;
      events?: LiveEvent[];
      counters?: LiveCounters;
      head?: number;
      complete?: boolean;
    };
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.counters) {
      this.counters = mergeCounters(this.counters, message.counters);
      this.handlers.onCounters(this.counters);
    }
    if (message.type === "sync") {
      this.attempt = 0;
      const buffered = this.buffered ?? [];
      this.buffered = null;
      if (this.lastSeq === null || !message.complete) {
        // First contact, or too much was missed: start from the server's head and reload the rows.
        if (this.lastSeq !== null) this.handlers.onResync();
        this.lastSeq = message.head ?? 0;
      } else {
        for (const event of message.events ?? []) this.apply(event);
      }
      for (const event of buffered) this.apply(event);
      this.handlers.onStatus("live");
      return;
    }
    if (message.type === "pong") {
      // Behind the server's head with nothing buffered: the last events' post failed, and no later
      // event came to show the gap. Ask for them as for a gap.
      if (!this.buffered && this.lastSeq !== null && (message.head ?? 0) > this.lastSeq) {
        this.buffered = [];
        this.socket?.send(JSON.stringify({ action: "resync", since: this.lastSeq }));
      }
      return;
    }
    if (message.type !== "events") return;
    for (const event of message.events ?? []) {
      if (this.buffered) this.buffered.push(event);
      else this.apply(event);
    }
  }

  private apply(event: LiveEvent): void {
    if (this.lastSeq !== null && event.seq <= this.lastSeq) return;
    if (this.lastSeq !== null && event.seq !== this.lastSeq + 1) {
      // A gap: ask for what is missing; events arriving meanwhile wait for the answer.
      this.buffered = [event];
      this.socket?.send(JSON.stringify({ action: "resync", since: this.lastSeq }));
      return;
    }
    this.lastSeq = event.seq;
    this.handlers.onEvent(event);
  }
}

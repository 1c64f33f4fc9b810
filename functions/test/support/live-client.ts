// A test client of the live feed over Node 24's global WebSocket, doing what the grid does: hello
// with the last seq it applied, buffering broadcasts until the sync reply, and noting every gap.
import { tokenFor } from "./tokens";

export interface LiveEvent {
  seq: number;
  type: "task.created" | "task.updated" | "task.deleted" | "tasks.seeded";
  id?: string;
  version?: number;
  task?: { id: string; version: number; status: string; title: string };
}

export interface CountersSnapshot {
  created: number;
  updated: number;
  deleted: number;
  byStatus: Record<"created" | "updated" | "deleted", Record<string, number>>;
}

export class LiveClient {
  readonly events: LiveEvent[] = [];
  readonly counters: CountersSnapshot[] = [];
  readonly gaps: { after: number; got: number }[] = [];
  lastSeq = -1;
  private socket: WebSocket | undefined;
  private syncWaiters: ((reply: { head: number; complete: boolean; events: LiveEvent[] }) => void)[] = [];
  private buffered: LiveEvent[] | undefined;
  private pongWaiters: ((pong: { head: number }) => void)[] = [];

  private readonly url: string;

  /** `url` without a `token` parameter connects as a test viewer, as the grid would when signed in. */
  constructor(url: string) {
    this.url = /[?&]token=/.test(url)
      ? url
      : `${url}${url.includes("?") ? "&" : "?"}token=${tokenFor("viewer")}`;
  }

  /** Connects and syncs; `since` replays what was missed since then. Resolves with the sync reply. */
  async connect(since?: number): Promise<{ head: number; complete: boolean }> {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.buffered = [];
    socket.onmessage = (message) => this.receive(String(message.data));
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`WebSocket ${this.url} failed`));
    });
    const reply = new Promise<{ head: number; complete: boolean; events: LiveEvent[] }>((resolve) =>
      this.syncWaiters.push(resolve),
    );
    socket.send(JSON.stringify({ action: "hello", ...(since === undefined ? {} : { since }) }));
    const { head, complete, events } = await reply;
    if (since === undefined) this.lastSeq = head;
    for (const event of [...events, ...(this.buffered ?? [])]) this.apply(event);
    this.buffered = undefined;
    return { head, complete };
  }

  /** Sends a ping; resolves with the pong (the server's head seq). */
  async ping(): Promise<{ head: number }> {
    const pong = new Promise<{ head: number }>((resolve) => this.pongWaiters.push(resolve));
    this.socket?.send(JSON.stringify({ action: "ping" }));
    return pong;
  }

  /** Asks for the events after the last one applied, as the grid does on a gap or a pong ahead. */
  async resync(): Promise<void> {
    this.buffered = [];
    const reply = new Promise<{ head: number; complete: boolean; events: LiveEvent[] }>((resolve) =>
      this.syncWaiters.push(resolve),
    );
    this.socket?.send(JSON.stringify({ action: "resync", since: this.lastSeq }));
    const { events } = await reply;
    for (const event of [...events, ...(this.buffered ?? [])]) this.apply(event);
    this.buffered = undefined;
  }

  private receive(data: string): void {
    const message = JSON.parse(data);
    if (message.type === "pong") {
      this.pongWaiters.shift()?.(message);
      return;
    }
    if (message.counters) this.counters.push(message.counters);
    if (message.type === "sync") {
      this.syncWaiters.shift()?.(message);
      return;
    }
    if (message.type !== "events") return;
    for (const event of message.events as LiveEvent[]) {
      if (this.buffered) this.buffered.push(event);
      else this.apply(event);
    }
  }

  private apply(event: LiveEvent): void {
    if (event.seq <= this.lastSeq) return;
    if (this.lastSeq >= 0 && event.seq !== this.lastSeq + 1)
      this.gaps.push({ after: this.lastSeq, got: event.seq });
    this.lastSeq = event.seq;
    this.events.push(event);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => {
      socket.onclose = () => resolve();
    });
    socket.close();
    await closed;
  }
}

/** Polls until check passes or the deadline; returns the last failure otherwise. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Runs fn over items with at most `limit` in flight. */
export async function limited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i] as T);
      }
    }),
  );
  return results;
}

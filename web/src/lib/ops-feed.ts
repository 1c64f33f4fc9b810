// The operations page's live figures over the WebSocket: the page asks with an `ops` message every
// 2 s and the server answers with a fresh snapshot (functions/src/handlers/ws-default.ts). The token
// travels in the message too, since the figures are for admins only. When the socket is away the
// page falls back to GET /ops at the same pace.
import type { OpsSnapshot } from "#contract/ops";
import { ApiError, getOps } from "./api";
import { backoffMs, WS_URL, withToken } from "./live";
import { accessToken } from "./session";

export type OpsFeedStatus = "connecting" | "live" | "polling";

export interface OpsFeedHandlers {
  onSnapshot: (snapshot: OpsSnapshot) => void;
  onStatus: (status: OpsFeedStatus) => void;
  onError: (error: unknown) => void;
}

export const OPS_REFRESH_MS = 2_000;

export function startOpsFeed(handlers: OpsFeedHandlers, url = WS_URL): () => void {
  let socket: WebSocket | null = null;
  let asker: ReturnType<typeof setInterval> | null = null;
  let poller: ReturnType<typeof setInterval> | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let stopped = false;

  const refuse = (error: unknown) => {
    handlers.onError(error);
    // Not an admin (or signed out): asking again changes nothing until the user does.
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) stop();
  };
  const poll = () => {
    getOps().then(handlers.onSnapshot, refuse);
  };
  const startPolling = () => {
    handlers.onStatus("polling");
    if (!poller) poller = setInterval(poll, OPS_REFRESH_MS);
  };
  const stopPolling = () => {
    if (poller) clearInterval(poller);
    poller = null;
  };

  const connect = () => {
    handlers.onStatus(attempt === 0 ? "connecting" : "polling");
    const token = accessToken();
    let created: WebSocket;
    try {
      created = new WebSocket(withToken(url, token));
    } catch {
      startPolling();
      return;
    }
    socket = created;
    const ask = () => {
      if (created.readyState === WebSocket.OPEN) created.send(JSON.stringify({ action: "ops", token }));
    };
    created.onopen = () => {
      attempt = 0;
      stopPolling();
      handlers.onStatus("live");
      ask();
      asker = setInterval(ask, OPS_REFRESH_MS);
    };
    created.onmessage = (message) => {
      try {
        const body = JSON.parse(String(message.data)) as {
          type?: string;
          code?: string;
          snapshot?: OpsSnapshot;
        };
        if (body.type === "ops" && body.snapshot) handlers.onSnapshot(body.snapshot);
        else if (body.type === "error" && (body.code === "forbidden" || body.code === "unauthorized")) {
          refuse(new ApiError(body.code === "forbidden" ? 403 : 401, body.code, "This needs the admin role"));
        }
      } catch {
        // Not ours (a task event broadcast to every connection).
      }
    };
    created.onclose = () => {
      if (asker) clearInterval(asker);
      asker = null;
      if (stopped || socket !== created) return;
      startPolling();
      retry = setTimeout(connect, backoffMs(attempt++));
    };
  };

  function stop(): void {
    stopped = true;
    if (asker) clearInterval(asker);
    if (retry) clearTimeout(retry);
    stopPolling();
    socket?.close();
  }

  poll();
  connect();
  return stop;
}

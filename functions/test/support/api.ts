// The one way the fuzz suite reaches the HTTP API. Every route needs identity: requests go as an
// admin (so every path, writes included, is reachable) unless they carry their own Authorization.
import { authHeaders } from "./tokens";

export interface ApiRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export function api(baseUrl: string, path: string, request: ApiRequest = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: request.method ?? "GET",
    headers: hasAuthorization(request.headers)
      ? request.headers
      : { ...authHeaders("admin"), ...request.headers },
    body: request.body,
    signal: request.signal,
    redirect: "manual",
  });
}

function hasAuthorization(headers: Record<string, string> | undefined): boolean {
  return Object.keys(headers ?? {}).some((name) => name.toLowerCase() === "authorization");
}

// The one way tests reach the HTTP API: when routes need identity, the Authorization header is
// added here and nowhere else.
export interface ApiRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export function api(baseUrl: string, path: string, request: ApiRequest = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: request.method ?? "GET",
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    redirect: "manual",
  });
}

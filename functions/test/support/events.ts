// API Gateway HTTP API (v2) events, built the way API Gateway and serverless-offline build them.
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { authHeaders } from "./tokens";

export interface EventInput {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  /** No Authorization header; otherwise an admin's token is sent unless `headers` names one. */
  anonymous?: boolean;
  /** Send body exactly as given (for malformed input); otherwise objects are JSON-encoded. */
  rawBody?: string;
}

let counter = 0;

export function httpEvent(input: EventInput = {}): APIGatewayProxyEventV2 {
  const method = input.method ?? "GET";
  const path = input.path ?? "/";
  const hasBody = input.rawBody !== undefined || input.body !== undefined;
  const headers: Record<string, string> = {
    ...(input.anonymous ? {} : authHeaders("admin")),
    ...(hasBody ? { "content-type": "application/json" } : {}),
    ...input.headers,
  };
  const query = input.query;
  counter += 1;
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: query ? new URLSearchParams(query).toString() : "",
    headers,
    queryStringParameters: query,
    pathParameters: input.pathParameters,
    body: input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body)),
    isBase64Encoded: false,
    requestContext: {
      accountId: "offline",
      apiId: "test",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "vitest" },
      requestId: `test-${counter}`,
      routeKey: `${method} ${path}`,
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "test",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:test",
    memoryLimitInMB: "256",
    awsRequestId: `req-${counter}`,
    logGroupName: "test",
    logStreamName: "test",
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /**
   * The parsed body. Tests assert on it field by field (and check shapes against the OpenAPI
   * document in the contract tests), so a static type here would only restate each assertion.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a parsed response body, asserted field by field
  json: () => any;
}

interface HandlerResult {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
}
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HandlerResult | undefined>;

/** Invokes a handler with an event and returns its response with a JSON accessor. */
export async function invoke(handler: Handler, input: EventInput = {}): Promise<Response> {
  const result = await handler(httpEvent(input), lambdaContext());
  if (!result || result.statusCode === undefined) throw new Error("the handler answered no HTTP result");
  const body = result.body ?? "";
  return {
    statusCode: result.statusCode,
    headers: Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
    ),
    body,
    json: () => JSON.parse(body),
  };
}

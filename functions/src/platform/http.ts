// The one wrapper every HTTP function goes through: header normalisation, body limits and JSON
// parsing, CORS, one log line per request, and the mapping of every error to the one JSON shape.
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import httpCors from "@middy/http-cors";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { z } from "zod";
import { REQUEST_HEADERS, RESPONSE_HEADERS, WAL_POSITION_PATTERN } from "#contract/constants";
import { noteRequest } from "../ops/agent";
import { authenticate, bearerToken } from "./auth";
import { config } from "./config";
import {
  type ReadRouting,
  replicaConfigured,
  type StatementBudget,
  toHttpError,
  withReadRouting,
  withStatementBudget,
  writePosition,
} from "./db";
import { addRequestMetrics, metrics } from "./emf-metrics";
import {
  BadRequestError,
  HttpError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "./errors";
import { currentRequestId, errorText, log, logger, withRequestId } from "./logger";
import { requiredVersion } from "./preconditions";
import { limitActor, limitFailedAuthentication, limitOf, rateLimitHeaders } from "./rate-limit";
import { metricsHeaders, newMetrics, type RequestMetrics, withMetrics } from "./request-metrics";
import type { Actor, Role } from "./roles";

export type ApiEvent = Omit<APIGatewayProxyEventV2, "body"> & { body?: unknown };
export type ApiResult = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };
export type ApiHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

export interface HandlerOptions {
  /**
   * The least role the route needs (roles.ts); `public` answers without a token (a token that is
   * sent must still verify). Required, so that no route is open by omission.
   */
  role: Role | "public";
  /** Parse a JSON body (POST, PATCH); bodies sent to other routes are ignored. */
  jsonBody?: boolean;
  /**
   * Per-statement limits for this route, below the request default: a read that needs more is
   * unbounded work and answers 503; a write may wait longer for the row and counter locks that
   * concurrent writes hold for milliseconds.
   */
  budget?: Partial<StatementBudget>;
}

const JSON_HEADERS = { "Content-Type": "application/json" } as const;

/** A JSON response; a string body is passed through untouched (already JSON text). */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

export function noContent(headers: Record<string, string> = {}): ApiResult {
  return { statusCode: 204, headers, body: "" };
}

/** Validates part of a request with a zod schema; failures name each offending field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  statusCode: 400 | 422 = 400,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    statusCode,
    result.error.issues.map((issue) => ({
      path:
        issue.path.map(String).join(".") || (issue.code === "unrecognized_keys" ? issue.keys.join(",") : ""),
      message: issue.message,
    })),
  );
}

interface MiddyHttpError {
  statusCode: number;
  expose?: boolean;
}

function isMiddyHttpError(error: unknown): error is MiddyHttpError {
  return (
    typeof error === "object" && error !== null && typeof (error as MiddyHttpError).statusCode === "number"
  );
}

function errorResponse(error: unknown): ApiResult {
  let mapped = toHttpError(error);
  if (!(mapped instanceof HttpError) && isMiddyHttpError(mapped) && mapped.statusCode < 500) {
    // middy's parsers speak plain HTTP errors; give them our codes.
    if (mapped.statusCode === 415) mapped = new UnsupportedMediaTypeError();
    else if (mapped.statusCode === 422) {
      mapped = new BadRequestError("The body is not valid JSON", undefined, "invalid_json");
    } else mapped = new BadRequestError("The request is not valid");
  }
  if (mapped instanceof HttpError) {
    const body = {
      error: {
        code: mapped.code,
        message: mapped.message,
        ...(mapped.details ? { details: mapped.details } : {}),
      },
    };
    return json(mapped.statusCode, body, mapped.headers);
  }
  log("error", "unhandled", { error: errorText(error) });
  return json(500, { error: { code: "internal", message: "Internal error" } });
}

const bodyLimit: middy.MiddlewareObj<ApiEvent, ApiResult> = {
  before: (request) => {
    const { body, isBase64Encoded } = request.event;
    if (typeof body !== "string") return;
    const bytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
    if (bytes > config.MAX_BODY_BYTES) throw new PayloadTooLargeError(config.MAX_BODY_BYTES);
  },
};

const errorMapper: middy.MiddlewareObj<ApiEvent, ApiResult> = {
  onError: (request) => {
    request.response = errorResponse(request.error);
  },
};

function requestLog(): middy.MiddlewareObj<ApiEvent, ApiResult> {
  // Keyed by request: in-process mode runs concurrent invocations through the same middleware.
  const startedAt = new WeakMap<object, number>();
  const write = (request: middy.Request<ApiEvent, ApiResult>) => {
    log("info", "request", {
      method: request.event.requestContext?.http?.method,
      path: request.event.rawPath,
      status: request.response?.statusCode,
      ms: Math.round((performance.now() - (startedAt.get(request) ?? performance.now())) * 10) / 10,
      cache: request.response?.headers?.["X-Cache"],
    });
  };
  return {
    before: (request) => {
      startedAt.set(request, performance.now());
    },
    after: write,
    onError: write,
  };
}

/**
 * X-Request-Id on every response (the id of the logs and the metrics), and the request's route,
 * status, latency and cache outcome to the live figures (functions/src/ops/, a few in-memory
 * increments; Redis hears of them in a batch at most once a second) and to the EMF metrics.
 */
function observe(): middy.MiddlewareObj<ApiEvent, ApiResult> {
  const startedAt = new WeakMap<object, number>();
  const done = (request: middy.Request<ApiEvent, ApiResult>) => {
    const { response, event } = request;
    const started = startedAt.get(request);
    if (!response || started === undefined) return;
    const requestId = currentRequestId();
    if (requestId) response.headers = { ...response.headers, "X-Request-Id": requestId };
    const ms = performance.now() - started;
    const route = event.routeKey && event.routeKey !== "$default" ? event.routeKey : "other";
    const status = response.statusCode ?? 200;
    if (config.EMF_METRICS) addRequestMetrics(route, status, ms, requestId);
    noteRequest({
      route,
      status,
      ms,
      cache: response.headers["X-Cache"],
      listQuery: route === "GET /tasks" ? (event.queryStringParameters ?? {}) : undefined,
      taskId: route === "GET /tasks/{id}" ? event.pathParameters?.id : undefined,
    });
  };
  return {
    before: (request) => {
      startedAt.set(request, performance.now());
    },
    after: done,
    onError: done,
  };
}

/** Server-Timing (db, cache) and X-Cache on every response, from what db.ts and the cache recorded. */
function requestMetrics(): middy.MiddlewareObj<ApiEvent, ApiResult> {
  const addHeaders = (request: middy.Request<ApiEvent, ApiResult>) => {
    const metrics = metricsByEvent.get(request.event);
    if (!metrics || !request.response) return;
    request.response.headers = { ...request.response.headers, ...metricsHeaders(metrics) };
  };
  return {
    before: (request) => {
      metricsByEvent.set(request.event, newMetrics());
    },
    after: addHeaders,
    onError: addHeaders,
  };
}

const metricsByEvent = new WeakMap<object, RequestMetrics>();

/** RateLimit-Policy and RateLimit on every counted response, 429s and 401s included. */
const rateLimitHeaderWriter: middy.MiddlewareObj<ApiEvent, ApiResult> = {
  after: (request) => addRateLimitHeaders(request),
  onError: (request) => addRateLimitHeaders(request),
};

function addRateLimitHeaders(request: middy.Request<ApiEvent, ApiResult>): void {
  const limit = limitOf(request.event);
  if (!limit || !request.response) return;
  request.response.headers = { ...request.response.headers, ...rateLimitHeaders(limit) };
}

const actorsByEvent = new WeakMap<object, Actor>();

/** The verified caller of this request; undefined only on a public route called without a token. */
export function actorOf(event: ApiEvent): Actor | undefined {
  return actorsByEvent.get(event);
}

/** The verified caller of a route that has a role (never undefined there). */
export function actorOrThrow(event: ApiEvent): Actor {
  const actor = actorsByEvent.get(event);
  if (!actor) throw new Error("a route with a role reached its handler without an actor");
  return actor;
}

/**
 * A text/csv body (POST /tasks/import), decoded and size-checked: 415 for another type or for
 * bytes that are not UTF-8, 413 past `maxBytes`.
 */
export function csvBody(event: ApiEvent, maxBytes: number): string {
  const type = event.headers?.["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== "text/csv") throw new UnsupportedMediaTypeError("Send the file as text/csv");
  const raw = typeof event.body === "string" ? event.body : "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UnsupportedMediaTypeError("Send the file as UTF-8 text/csv");
  }
}

/** Before any body is parsed: an anonymous caller never costs more than a signature check. */
function authorization(role: HandlerOptions["role"]): middy.MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: async (request) => {
      let actor: Actor | undefined;
      try {
        const token = bearerToken(request.event.headers?.authorization);
        actor = await authenticate(token, role === "public" ? undefined : role);
      } catch (error) {
        await limitFailedAuthentication(request.event as APIGatewayProxyEventV2, error);
        throw error;
      }
      if (actor) {
        actorsByEvent.set(request.event, actor);
        await limitActor(request.event as APIGatewayProxyEventV2, actor);
      }
    },
  };
}

/** GET requests may read a replica; X-Read-After-LSN (a write's X-Write-LSN) says how far it must be. */
function readRouting(event: ApiEvent): ReadRouting {
  const served = new Set<"primary" | "replica">();
  if (!replicaConfigured() || event.requestContext?.http?.method !== "GET") return { replica: false, served };
  const afterLsn = event.headers?.[REQUEST_HEADERS.readAfterLsn]?.trim();
  if (afterLsn === undefined || afterLsn === "") return { replica: true, served };
  if (!WAL_POSITION_PATTERN.test(afterLsn)) {
    throw new BadRequestError(
      "X-Read-After-LSN must be a WAL position such as 0/16B3748 (a write's X-Write-LSN)",
    );
  }
  return { replica: true, afterLsn, served };
}

/** With a replica: a write says where its commit is, a read where it was answered from. */
async function withReadWriteHeaders(
  event: ApiEvent,
  route: ReadRouting,
  result: ApiResult,
): Promise<ApiResult> {
  const method = event.requestContext?.http?.method;
  const headers: Record<string, string> = { ...result.headers };
  if (method !== "GET" && method !== "OPTIONS" && (result.statusCode ?? 500) < 300) {
    headers[RESPONSE_HEADERS.writeLsn] = await writePosition();
  }
  if (route.served.size > 0) headers[RESPONSE_HEADERS.readSource] = [...route.served].sort().join(",");
  return { ...result, headers };
}

export function httpHandler(handler: ApiHandler, options: HandlerOptions) {
  const wrapped = middy<ApiEvent, ApiResult>().use(injectLambdaContext(logger));
  // Publishes what observe() buffered, after it (middy runs `after` hooks in reverse order).
  if (config.EMF_METRICS) wrapped.use(logMetrics(metrics));
  // Off (LOG_REQUESTS=false, as the bench and test stacks run): not even its timer per request.
  if (config.LOG_REQUESTS) wrapped.use(requestLog());
  wrapped
    .use(observe())
    .use(requestMetrics())
    .use(rateLimitHeaderWriter)
    .use(httpCors({ origin: config.CORS_ORIGIN }))
    .use(errorMapper)
    .use(httpHeaderNormalizer())
    .use(authorization(options.role));
  if (options.jsonBody) {
    wrapped.use(bodyLimit).use(httpJsonBodyParser());
  }
  const budget: StatementBudget = {
    statementMs: Math.min(
      options.budget?.statementMs ?? config.PG_REQUEST_STATEMENT_TIMEOUT_MS,
      config.PG_REQUEST_STATEMENT_TIMEOUT_MS,
    ),
    lockMs: options.budget?.lockMs ?? config.PG_REQUEST_LOCK_TIMEOUT_MS,
  };
  const wrappedHandler = wrapped.handler(async (event, context) => {
    const metrics = metricsByEvent.get(event) ?? newMetrics();
    const route = readRouting(event);
    const result = await withReadRouting(route, () =>
      withStatementBudget(budget, () => withMetrics(metrics, () => handler(event, context))),
    );
    return replicaConfigured() ? withReadWriteHeaders(event, route, result) : result;
  });
  // Outside every middleware, so the request line and the 500 log carry the id too.
  return (event: ApiEvent, context: Context): Promise<ApiResult> => {
    // Only the Invoke API can send something that is not an event object; middy would throw on it
    // (and the runtime hand its stack to the caller).
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      return Promise.resolve(
        errorResponse(
          new BadRequestError("The payload is not an API Gateway HTTP API event", undefined, "bad_event"),
        ),
      );
    }
    return withRequestId(context?.awsRequestId ?? event.requestContext?.requestId, () =>
      wrappedHandler(event, context),
    );
  };
}

/** Reads an optional version precondition from If-Match (see preconditions.ts). */
export function expectedVersionFrom(event: ApiEvent): number | undefined {
  return requiredVersion(event.headers?.["if-match"]);
}

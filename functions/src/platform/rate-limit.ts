// Fair use: fixed-window limits per actor, with separate budgets for reads and writes, per client IP
// for requests that fail authentication, and per actor for WebSocket messages. Counted in the shared
// Redis by rate-limiter-flexible (one Lua INCR+PTTL per request, atomic, so concurrent requests
// never lose counts; seed 004's read-modify-write lost more than half of them). While Redis is away
// each instance counts in memory (RateLimiterMemory): limits then hold per instance, not globally,
// which is the price of never making a request wait on Redis for its limit (see redis.ts's breaker).
//
// Responses carry the IETF headers (draft-ietf-httpapi-ratelimit-headers-10/11):
//   RateLimit-Policy: "read";q=1200;w=60     the policy: quota q per window of w seconds
//   RateLimit: "read";r=1187;t=42            remaining r, seconds t until the window resets
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { RESPONSE_HEADERS } from "#contract/constants";
import { config } from "./config";
import { HttpError, TooManyRequestsError } from "./errors";
import { availableRedis, recordFailure, redisClient } from "./redis";
import type { Actor } from "./roles";

export type PolicyName = "read" | "write" | "auth-failures" | "ws";

export interface Policy {
  name: PolicyName;
  quota: number;
  windowSeconds: number;
}

export interface LimitDecision {
  policy: Policy;
  allowed: boolean;
  remaining: number;
  resetSeconds: number;
}

export function policyOf(name: PolicyName): Policy {
  const quota = {
    read: config.RATE_LIMIT_READ,
    write: config.RATE_LIMIT_WRITE,
    "auth-failures": config.RATE_LIMIT_AUTH_FAILURES,
    ws: config.RATE_LIMIT_WS_MESSAGES,
  }[name];
  return { name, quota, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS };
}

/** Reached only when the Redis limiter failed (a timeout, a lost connection): opens the breaker too. */
class BreakerInsurance extends RateLimiterMemory {
  override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
    recordFailure();
    return super.consume(key, points, options);
  }
}

interface Limiters {
  memory: RateLimiterMemory;
  redis?: RateLimiterRedis;
  client?: unknown;
}

const limiters = new Map<PolicyName, Limiters>();

function limitersFor(policy: Policy): Limiters {
  let entry = limiters.get(policy.name);
  if (!entry) {
    const options = { points: policy.quota, duration: policy.windowSeconds, keyPrefix: `rl:${policy.name}` };
    entry = { memory: new BreakerInsurance(options) };
    limiters.set(policy.name, entry);
  }
  const client = redisClient();
  // A new shared client (after closeRedis) gets a new store limiter; the memory counts carry on.
  if (client && entry.client !== client) {
    entry.redis = new RateLimiterRedis({
      storeClient: client,
      points: policy.quota,
      duration: policy.windowSeconds,
      keyPrefix: `rl:${policy.name}`,
      // A client that is not connected sends the request to the insurance at once.
      rejectIfRedisNotReady: true,
      insuranceLimiter: entry.memory,
    });
    entry.client = client;
  }
  return entry;
}

/** Consumes one point of `policy` for `key`; never throws for Redis trouble, never waits on it. */
export async function consume(name: PolicyName, key: string): Promise<LimitDecision> {
  const policy = policyOf(name);
  const entry = limitersFor(policy);
  // The breaker open or no Redis at all: count here without asking Redis (no timeout to pay).
  const useRedis = entry.redis !== undefined && (await availableRedis()) !== undefined;
  try {
    const result = useRedis && entry.redis ? await entry.redis.consume(key) : await entry.memory.consume(key);
    return decision(policy, true, result);
  } catch (error) {
    if (error instanceof RateLimiterRes) return decision(policy, false, error);
    // Without insurance the library would surface the store's error; it has insurance, so this is
    // a bug in the limiter, and a request is never refused for the limiter's own failure.
    return { policy, allowed: true, remaining: policy.quota, resetSeconds: policy.windowSeconds };
  }
}

function decision(policy: Policy, allowed: boolean, result: RateLimiterRes): LimitDecision {
  return {
    policy,
    allowed,
    remaining: Math.max(0, result.remainingPoints),
    resetSeconds: Math.max(0, Math.ceil(result.msBeforeNext / 1_000)),
  };
}

export function rateLimitHeaders(limit: LimitDecision): Record<string, string> {
  const { name, quota, windowSeconds } = limit.policy;
  return {
    [RESPONSE_HEADERS.rateLimitPolicy]: `"${name}";q=${quota};w=${windowSeconds}`,
    [RESPONSE_HEADERS.rateLimit]: `"${name}";r=${limit.remaining};t=${limit.resetSeconds}`,
  };
}

// ---- HTTP: what http.ts's wrapper calls -------------------------------------------------------

const decisions = new WeakMap<object, LimitDecision>();

/** The limit this request was counted against, for its response headers. */
export function limitOf(event: object): LimitDecision | undefined {
  return decisions.get(event);
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function refuse(limit: LimitDecision): never {
  throw new TooManyRequestsError(
    `Too many ${limit.policy.name === "auth-failures" ? "failed sign-ins" : `${limit.policy.name} requests`}: ` +
      `${limit.policy.quota} per ${limit.policy.windowSeconds} s; retry in ${Math.max(1, limit.resetSeconds)} s`,
    limit.resetSeconds,
  );
}

/** Counts an authenticated request against its actor's read or write budget; a 429 when spent. */
export async function limitActor(event: APIGatewayProxyEventV2, actor: Actor): Promise<void> {
  if (!config.RATE_LIMITS) return;
  const method = event.requestContext?.http?.method ?? "GET";
  const limit = await consume(READ_METHODS.has(method) ? "read" : "write", `a:${actor.id}`);
  decisions.set(event, limit);
  if (!limit.allowed) refuse(limit);
}

/**
 * A request that failed authentication is counted against its client IP: guessing tokens costs a
 * budget. Past it the answer is 429 instead of 401, without saying whether the token was good.
 */
export async function limitFailedAuthentication(
  event: APIGatewayProxyEventV2,
  error: unknown,
): Promise<void> {
  if (!config.RATE_LIMITS || !(error instanceof HttpError) || error.statusCode !== 401) return;
  const limit = await consume("auth-failures", `ip:${event.requestContext?.http?.sourceIp ?? "unknown"}`);
  decisions.set(event, limit);
  if (!limit.allowed) refuse(limit);
}

// ---- WebSocket: messages arrive with a connection id only; $connect remembers whose it is -------

const connectionKey = (connectionId: string) => `rl:ws-actor:${connectionId}`;

/** At $connect: which actor a connection's messages count against (expires with the connection). */
export async function rememberConnectionActor(connectionId: string, actor: Actor): Promise<void> {
  const redis = await availableRedis();
  if (!redis) return;
  await redis
    .set(connectionKey(connectionId), actor.id, "EX", config.LIVE_CONNECTION_TTL_SECONDS)
    .catch(recordFailure);
}

/** Counts one WebSocket message against its actor (or its connection, when Redis cannot say whose). */
export async function limitWsMessage(connectionId: string): Promise<LimitDecision | undefined> {
  if (!config.RATE_LIMITS) return undefined;
  const redis = await availableRedis();
  const actorId = redis ? await redis.get(connectionKey(connectionId)).catch(() => null) : null;
  return consume("ws", actorId ? `a:${actorId}` : `c:${connectionId}`);
}

// The one Redis connection of a process and its one circuit breaker, shared by the cache, the live
// feed and every later user (rate limits, metrics). Redis is never the source of truth here, so the
// rule is the same for all of them: a caller that finds Redis away is told at once (no offline
// queue, no per-request connect wait) and does without it. Measured before this module existed:
// with Redis stopped, every create waited the live store's own 500 ms connect timeout.
//
// Each user registers its Lua scripts (names must be unique across users) and keeps its own keys;
// see functions/src/cache/keys.ts and functions/src/live/keys.ts for the two key spaces.
//
// One Redis or a Redis Cluster (issue 18): `redis+cluster://host:port` or REDIS_CLUSTER_NODES makes the
// same client a cluster client, with the same timeouts and no offline queue. The callers' code is the
// same for both: every multi-key script, MGET, MULTI and pipeline names keys under one hash tag.
import Redis, { Cluster } from "ioredis";
import { config } from "./config";
import { ServiceUnavailableError } from "./errors";

export interface LuaScript {
  /** Omitted: the caller passes the number of keys first (a variable count). */
  numberOfKeys?: number;
  lua: string;
}

/** Thrown by `requireRedis` and `withRedis` when Redis cannot be used now: a 503 where it escapes. */
export class RedisUnavailableError extends ServiceUnavailableError {
  constructor(message = "Redis is unavailable; retry shortly") {
    super(message);
  }
}

/** After a failure Redis is left alone this long (doubling per consecutive failure, capped). */
const FIRST_OPEN_MS = 250;
const MAX_OPEN_MS = 5_000;
/** Consecutive timeouts on a connected client before the breaker opens (a lost connection: one). */
const FAILURES_TO_OPEN = 3;

const scripts = new Map<string, LuaScript>();
let client: Redis | Cluster | undefined;
const failoverListeners: (() => void)[] = [];
let failovers = 0;
let firstReady: Promise<void> | undefined;

const breaker = { openUntil: 0, consecutiveFailures: 0, probing: false };

/** Whether REDIS_URL is set at all; without it there is no cache and no live feed. */
export const redisConfigured = (): boolean => config.REDIS_URL !== undefined;

/** Registers Lua scripts as commands on the shared client (now and after any reconnect). */
export function defineScripts(defined: Record<string, LuaScript>): void {
  for (const [name, script] of Object.entries(defined)) {
    const existing = scripts.get(name);
    if (existing && existing.lua !== script.lua) throw new Error(`Redis script ${name} is defined twice`);
    scripts.set(name, script);
    client?.defineCommand(name, script);
  }
}

/**
 * Called when a cluster's set of primaries changed (a failover): writes the old primary acknowledged
 * but had not yet copied to its replica are gone, so what the new primary holds may be older than
 * what readers were already shown. The cache moves its epoch (cache/state.ts).
 */
export function onFailover(listener: () => void): void {
  failoverListeners.push(listener);
}

/**
 * How many failovers this process has seen. A command in flight when one is noticed may have been
 * redirected to the new primary, and so answered from the older data: callers compare this before
 * and after a command and distrust the answer when it moved.
 */
export const failoverCount = (): number => failovers;

/** The cluster's seed nodes when REDIS_URL or REDIS_CLUSTER_NODES names a cluster, else undefined. */
export function clusterNodes(): { host: string; port: number }[] | undefined {
  const url = config.REDIS_URL ? new URL(config.REDIS_URL) : undefined;
  const isCluster =
    config.REDIS_CLUSTER_NODES !== undefined || /^rediss?\+cluster:$/.test(url?.protocol ?? "");
  if (!isCluster) return undefined;
  const seeds = config.REDIS_CLUSTER_NODES?.split(",") ?? [url?.host ?? ""];
  return seeds.map((seed) => {
    const at = seed.lastIndexOf(":");
    return { host: seed.slice(0, at), port: Number(seed.slice(at + 1)) };
  });
}

const nodeOptions = () => ({
  connectTimeout: config.REDIS_CONNECT_TIMEOUT_MS,
  commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
  // A command caught by a lost connection fails at once instead of waiting for a reconnect.
  maxRetriesPerRequest: 0,
  keepAlive: 10_000,
  connectionName: "million-tasks",
});

function createClient(url: string): Redis | Cluster {
  const nodes = clusterNodes();
  if (!nodes) {
    return new Redis(url, {
      ...nodeOptions(),
      // Commands never wait for a connection: while Redis is away the caller does without it.
      enableOfflineQueue: false,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
  }
  const parsed = new URL(url);
  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
    // A primary that died: retry shortly (its replica takes over within cluster-node-timeout), but
    // never for long: each attempt has the command timeout, and the breaker takes over after that.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    maxRedirections: 6,
    slotsRefreshTimeout: config.REDIS_CONNECT_TIMEOUT_MS,
    slotsRefreshInterval: 2_000,
    // Replicas are never read: they lag, and the cache promises read-your-own-write.
    scaleReads: "master",
    redisOptions: {
      ...nodeOptions(),
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.protocol === "rediss+cluster:" ? { tls: {} } : {}),
    },
  });
  let primaries: string | undefined;
  cluster.on("refresh", () => {
    const now = cluster
      .nodes("master")
      .map((node) => `${node.options.host}:${node.options.port}`)
      .sort()
      .join(",");
    if (primaries !== undefined && now !== primaries) {
      failovers += 1;
      for (const listener of failoverListeners) listener();
    }
    primaries = now;
  });
  return cluster;
}

/** The shared client, created on first use; undefined without REDIS_URL. Never waits. */
export function redisClient<C = Redis>(): (Redis & C) | undefined {
  if (!config.REDIS_URL) return undefined;
  if (!client) {
    const created = createClient(config.REDIS_URL);
    for (const [name, script] of scripts) created.defineCommand(name, script);
    // Without a listener ioredis reports every reconnect attempt as an unhandled error.
    created.on("error", () => {});
    // The one wait a process ever pays: its first connection attempt, which ends at "ready", at a
    // refused or failed connection ("error", "close"), or at the connect timeout.
    firstReady = new Promise<void>((resolve) => {
      const done = () => resolve();
      created.once("ready", done).once("error", done).once("close", done);
      // A cluster is ready after a slots refresh and a CLUSTER INFO on top of its connections.
      setTimeout(done, config.REDIS_CONNECT_TIMEOUT_MS * (clusterNodes() ? 2 : 1)).unref();
    });
    client = created;
  }
  // A cluster client answers the same commands; the callers are written for both (see the header).
  return client as unknown as Redis & C;
}

/**
 * Counts a failed command. A lost connection opens the breaker at once; a command that merely timed
 * out on a live connection (a busy event loop under a burst) opens it only when it keeps happening:
 * one slow reply must not make the live feed drop every event of the next quarter second.
 */
export function recordFailure(): void {
  breaker.consecutiveFailures += 1;
  if (client?.status === "ready" && breaker.consecutiveFailures < FAILURES_TO_OPEN) return;
  const opened = Math.max(1, breaker.consecutiveFailures - FAILURES_TO_OPEN + 1);
  breaker.openUntil = Date.now() + Math.min(FIRST_OPEN_MS * 2 ** (opened - 1), MAX_OPEN_MS);
}

export function recordSuccess(): void {
  breaker.consecutiveFailures = 0;
  breaker.openUntil = 0;
}

/** Connected and not recently failing (no I/O; the health check reports it). */
export function redisHealthy(): boolean {
  return client?.status === "ready" && Date.now() >= breaker.openUntil;
}

/**
 * The client to use now, or undefined: not configured, not connected, or recently failing. Waits
 * only for the process's first connection attempt; while the breaker is open one background PING
 * decides when it closes, so no request pays a timeout to find out.
 */
export async function availableRedis<C = Redis>(): Promise<(Redis & C) | undefined> {
  const redis = redisClient<C>();
  if (!redis) return undefined;
  if (firstReady) {
    await firstReady;
    firstReady = undefined;
  }
  if (redis.status !== "ready") return undefined;
  if (Date.now() < breaker.openUntil) {
    if (!breaker.probing) {
      breaker.probing = true;
      redis
        .ping()
        .then(recordSuccess, recordFailure)
        .finally(() => {
          breaker.probing = false;
        });
    }
    return undefined;
  }
  return redis;
}

/** Like `availableRedis`, for callers that cannot do without Redis: throws RedisUnavailableError. */
export async function requireRedis<C = Redis>(): Promise<Redis & C> {
  if (!redisConfigured()) throw new RedisUnavailableError("This needs Redis, which is not configured");
  const redis = await availableRedis<C>();
  if (!redis) throw new RedisUnavailableError();
  return redis;
}

/**
 * Runs commands on the shared client through the breaker: a failure (timeout, lost connection,
 * script error) opens it and surfaces as RedisUnavailableError.
 */
export async function withRedis<T, C = Redis>(fn: (redis: Redis & C) => Promise<T>): Promise<T> {
  const redis = await requireRedis<C>();
  try {
    const result = await fn(redis);
    recordSuccess();
    return result;
  } catch {
    // The command's own error (a timeout, a lost connection) is for logs, not for clients.
    recordFailure();
    throw new RedisUnavailableError();
  }
}

/** Closes the connection and forgets the breaker (tests and scripts); the next use reconnects. */
export async function closeRedis(): Promise<void> {
  const current = client;
  client = undefined;
  firstReady = undefined;
  recordSuccess();
  if (current) await current.quit().catch(() => current.disconnect());
}

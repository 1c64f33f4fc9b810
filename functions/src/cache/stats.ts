// Hit/miss/fill counters: this process's, and the sum over all processes in mt:stats, flushed at
// most once a second on the back of a cache command (never a request of its own).
import type Redis from "ioredis";
import { type CacheOutcome, recordOutcome } from "../platform/request-metrics";

export const localStats = {
  hit: 0,
  miss: 0,
  partial: 0,
  bypass: 0,
  fills: 0,
  queryLoads: 0,
  rebuilds: 0,
  errors: 0,
};
export type StatName = keyof typeof localStats;

const unflushed: Partial<Record<StatName, number>> = {};
let lastFlush = 0;

export function count(name: StatName, by = 1): void {
  localStats[name] += by;
  unflushed[name] = (unflushed[name] ?? 0) + by;
}

/** A request's cache outcome: its X-Cache header (request-metrics) and the counters. */
export function outcome(value: CacheOutcome): void {
  recordOutcome(value);
  count(value);
}

/** Adds this process's unflushed counters to `key` (the database's stats hash). */
export function flushStatsSoon(redis: Redis | undefined, key: string | undefined): void {
  if (!redis || !key || redis.status !== "ready" || Date.now() - lastFlush < 1_000) return;
  const entries = Object.entries(unflushed).filter(([, n]) => n);
  if (entries.length === 0) return;
  lastFlush = Date.now();
  for (const [name] of entries) delete unflushed[name as StatName];
  const pipeline = redis.pipeline();
  for (const [name, n] of entries) pipeline.hincrby(key, name, n ?? 0);
  pipeline.exec().catch(() => {});
}

// What /health says about the cache, and closing the shared connection.
import { config } from "../platform/config";
import { availableRedis, closeRedis } from "../platform/redis";
import { cacheKeys } from "./keys";
import type { CacheCommands } from "./scripts";
import { cacheClient, cacheState, freshSpace, resetCacheState } from "./state";
import { localStats } from "./stats";

export interface CacheHealth {
  state: "ok" | "degraded" | "disabled";
  ms?: number;
  index?: { ready: boolean; size: number | null; building: boolean; builtAt?: string; buildMs?: number };
  memory?: { usedBytes: number; maxBytes: number; policy: string };
  stats: { process: typeof localStats; total: Record<string, number> | null };
}

export async function cacheHealth(): Promise<CacheHealth> {
  const stats = { process: { ...localStats }, total: null as Record<string, number> | null };
  if (!config.REDIS_URL) return { state: "disabled", stats };
  if (!cacheClient()) return { state: "disabled", stats };
  const redis = await availableRedis<CacheCommands>();
  const started = performance.now();
  try {
    if (!redis || cacheState.owesInvalidation) throw new Error("down");
    // Not the epoch this process last used: health must describe what readers see now.
    const k = cacheKeys(await freshSpace(redis));
    const pipeline = redis.pipeline();
    pipeline.zcard(k.idx).exists(k.lock).hgetall(k.meta).hgetall(k.stats).info("memory");
    const results = (await pipeline.exec()) ?? [];
    const [size, building, meta, total, info] = results.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [number, number, Record<string, string>, Record<string, string>, string];
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
    stats.total = Object.fromEntries(Object.entries(total).map(([name, n]) => [name, Number(n)]));
    return {
      state: "ok",
      ms: Math.round((performance.now() - started) * 10) / 10,
      index: {
        ready: size > 0,
        size: size > 0 ? size - 1 : null,
        building: building === 1,
        ...(meta.builtAt ? { builtAt: meta.builtAt, buildMs: Number(meta.ms) } : {}),
      },
      memory: {
        usedBytes: Number(field("used_memory") ?? 0),
        maxBytes: Number(field("maxmemory") ?? 0),
        policy: field("maxmemory_policy") ?? "unknown",
      },
      stats,
    };
  } catch {
    return { state: "degraded", ms: Math.round((performance.now() - started) * 10) / 10, stats };
  }
}

/** Closes the shared connection (tests and scripts); the next use reconnects. */
export async function closeCache(): Promise<void> {
  resetCacheState();
  await closeRedis();
}

// The operations figures' background side in each process: after a request (never awaited by it)
// and on a one-second timer it flushes the recorder, every 5 s it refreshes its copy of the last
// hour's hot items, and when the flush finds Redis emptied it warms the cache from that copy.
import type Redis from "ioredis";
import { config } from "../platform/config";
import { poolWaits } from "../platform/db";
import { defineScripts, redisClient } from "../platform/redis";
import { currentOpsKeys, HOT_TTL_MS, minuteOf, type OpsKeys } from "./keys";
import {
  flushOps,
  OPS_SCRIPTS,
  type OpsCommands,
  type RequestRecord,
  recordPoolWaits,
  recordRequest,
} from "./recorder";
import { type HotItems, warmCache } from "./warm";

defineScripts(OPS_SCRIPTS);

// A flush loses at most this much of the hot set's freshness (the warm-up uses the last copy).
const HOT_REFRESH_MS = 5_000;
const TIMER_MS = 1_000;

let hot: HotItems = { tasks: [], pages: [] };
let hotRefreshedAt = 0;
let busy = false;
let warming = false;
let timer: NodeJS.Timeout | undefined;
/** The {mt:ops:D}:alive token this process last saw; a different one means Redis lost its data. */
let aliveSeen: string | undefined;

const waitsSeen = { count: 0, ms: 0 };

/** The last hour's most read tasks and pages: one process unions the minutes, all read the result. */
async function refreshHot(redis: Redis, opsKeys: OpsKeys, now: number): Promise<void> {
  hotRefreshedAt = now;
  const minute = minuteOf(now);
  const minutes = Array.from({ length: 60 }, (_, i) => minute - i);
  const won = await redis.set(opsKeys.topLock, "1", "PX", HOT_REFRESH_MS - 500, "NX");
  if (won === "OK") {
    await redis
      .pipeline()
      .zunionstore(opsKeys.hotTasksTop, minutes.length, ...minutes.map(opsKeys.hotTasks))
      .pexpire(opsKeys.hotTasksTop, HOT_TTL_MS)
      .zunionstore(opsKeys.hotPagesTop, minutes.length, ...minutes.map(opsKeys.hotPages))
      .pexpire(opsKeys.hotPagesTop, HOT_TTL_MS)
      .exec();
  }
  const [tasks, pages] = await Promise.all([
    redis.zrevrange(opsKeys.hotTasksTop, 0, config.OPS_WARM_TASKS - 1),
    redis.zrevrange(opsKeys.hotPagesTop, 0, config.OPS_WARM_PAGES - 1),
  ]);
  // An emptied Redis answers nothing: keep the copy that the warm-up needs.
  if (tasks.length > 0 || pages.length > 0) hot = { tasks, pages };
}

async function warm(redis: Redis, opsKeys: OpsKeys): Promise<void> {
  if (warming) return;
  warming = true;
  try {
    const result = await warmCache(hot);
    await redis.hset(opsKeys.warm, { at: new Date().toISOString(), ...result });
  } catch {
    // Best effort: the reads refill what the warm-up did not.
  } finally {
    warming = false;
  }
}

/** One background step: flush, maybe refresh the hot copy, maybe warm. Never throws. */
async function tick(): Promise<void> {
  if (busy) return;
  const redis = redisClient<OpsCommands>();
  if (redis?.status !== "ready") return;
  busy = true;
  try {
    const now = Date.now();
    const k = currentOpsKeys();
    const alive = await flushOps(redis, k, { now });
    if (alive === undefined) return;
    const lost = aliveSeen !== undefined && alive !== aliveSeen;
    aliveSeen = alive;
    const canWarm = config.OPS_WARM && (hot.tasks.length > 0 || hot.pages.length > 0);
    // Every process that saw the old token may warm; one does (a lock per new token).
    if (lost && canWarm && (await redis.set(k.warmLock(alive), "1", "PX", 60_000, "NX")) === "OK") {
      setTimeout(() => void warm(redis, k), 0);
    } else if (now - hotRefreshedAt >= HOT_REFRESH_MS) await refreshHot(redis, k, now);
  } catch {
    // Figures are best effort.
  } finally {
    busy = false;
  }
}

/** Called by the HTTP wrapper when a response is ready: counts it, and flushes in the background. */
export function noteRequest(record: RequestRecord): void {
  if (!config.OPS_METRICS) return;
  recordRequest(record);
  if (poolWaits.count > waitsSeen.count) {
    recordPoolWaits(poolWaits.count - waitsSeen.count, poolWaits.ms - waitsSeen.ms);
    waitsSeen.count = poolWaits.count;
    waitsSeen.ms = poolWaits.ms;
  }
  if (!timer) {
    timer = setInterval(() => void tick(), TIMER_MS);
    timer.unref();
  }
  void tick();
}

/** The hot items this process would warm now (tests, the ops snapshot). */
export const hotItems = (): HotItems => hot;

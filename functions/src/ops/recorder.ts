// What every HTTP request adds to the live figures: a few in-memory increments at the end of the
// request, and at most once a second one Lua call that adds them to Redis (never awaited by a
// request; a lost flush loses a second of figures, nothing else). The same flush notices a Redis
// that was flushed or restarted ({mt:ops:D}:alive is gone) and starts the background warm-up.
import { randomBytes } from "node:crypto";
import type Redis from "ioredis";
import { bucketOf } from "./histogram";
import { HOT_TTL_MS, minuteOf, type OpsKeys, SLOT_TTL_MS, slotOf } from "./keys";

/** One finished request, as the HTTP wrapper saw it. */
export interface RequestRecord {
  route: string;
  status: number;
  ms: number;
  cache?: string;
  /** GET /tasks: its query string parameters; GET /tasks/{id}: the id. */
  listQuery?: Record<string, string | undefined>;
  taskId?: string;
}

/** Per flush at most this many distinct hot items go to Redis (the rest of a burst is dropped). */
const MAX_HOT_PER_FLUSH = 2_000;
/** Each minute keeps at most this many task ids / queries, the most read. */
export const HOT_TASKS_CAP = 5_000;
export const HOT_PAGES_CAP = 500;
const FLUSH_EVERY_MS = 1_000;

const FLUSH_SCRIPT = {
  // KEYS slot hotTasks hotPages alive
  // ARGV slotTtl hotTtl taskCap pageCap newToken nFields [field n]... nTasks [id n]... [query n]...
  // -> the token in {mt:ops:D}:alive (newToken when it was missing: Redis was emptied or is new)
  numberOfKeys: 4,
  lua: `
local i = 6
local nFields = tonumber(ARGV[i])
for j = 1, nFields do
  redis.call('HINCRBY', KEYS[1], ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
end
if nFields > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
i = i + 2 * nFields + 1
local nTasks = tonumber(ARGV[i])
for j = 1, nTasks do
  redis.call('ZINCRBY', KEYS[2], ARGV[i + 2 * j], ARGV[i + 2 * j - 1])
end
if nTasks > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
i = i + 2 * nTasks
local nPages = (#ARGV - i) / 2
for j = 1, nPages do
  redis.call('ZINCRBY', KEYS[3], ARGV[i + 2 * j], ARGV[i + 2 * j - 1])
end
if nPages > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
local alive = redis.call('GET', KEYS[4])
if not alive then
  alive = ARGV[5]
  redis.call('SET', KEYS[4], alive)
end
return alive
`,
};

export type OpsCommands = {
  mtOpsFlush(...args: (string | number)[]): Promise<string>;
};
export const OPS_SCRIPTS = { mtOpsFlush: FLUSH_SCRIPT };

interface Pending {
  fields: Map<string, number>;
  tasks: Map<string, number>;
  pages: Map<string, number>;
}

const newPending = (): Pending => ({ fields: new Map(), tasks: new Map(), pages: new Map() });

/** Slot -> what this process counted in it and has not flushed yet. */
let pending = new Map<number, Pending>();
let lastFlush = 0;

const add = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** A position rounded to two significant digits: few distinct fields, fine enough for a 40-cell strip. */
export function roundPosition(position: number): number {
  if (position < 100) return position;
  const scale = 10 ** (Math.floor(Math.log10(position)) - 1);
  return Math.floor(position / scale) * scale;
}

/** A list query's canonical text: parameters sorted, so equal queries count as one hot page. */
export function canonicalQuery(query: Record<string, string | undefined>): string {
  return Object.keys(query)
    .filter((key) => query[key] !== undefined)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(query[key] ?? "")}`)
    .join("&");
}

const FILTERS = ["status", "priority", "assignee", "tag", "dueAfter", "dueBefore", "q"];

/** Slots kept while Redis cannot take them (a minute): an outage must not grow the process. */
const MAX_PENDING_SLOTS = 6;

function pendingFor(now: number): Pending {
  const slot = slotOf(now);
  let current = pending.get(slot);
  if (!current) {
    current = newPending();
    pending.set(slot, current);
    // Maps iterate in insertion order: the first slot is the oldest.
    if (pending.size > MAX_PENDING_SLOTS) pending.delete(pending.keys().next().value ?? slot);
  }
  return current;
}

/** Counts one request (synchronous, a handful of map updates). */
export function recordRequest(record: RequestRecord, now = Date.now()): void {
  const { fields, tasks, pages } = pendingFor(now);
  const r = record.route;
  add(fields, `${r}|n`);
  if (record.status >= 500) add(fields, `${r}|5xx`);
  else if (record.status >= 400) add(fields, `${r}|4xx`);
  add(fields, `${r}|b${bucketOf(record.ms)}`);
  if (record.cache) add(fields, `${r}|c:${record.cache}`);
  if (record.status !== 200) return;
  if (record.taskId) add(tasks, record.taskId);
  const query = record.listQuery;
  if (query) {
    add(pages, canonicalQuery(query));
    if (query.cursor) add(fields, "a|cur");
    else {
      const offset = Number(query.offset ?? 0);
      add(fields, `a|p:${roundPosition(Number.isSafeInteger(offset) && offset >= 0 ? offset : 0)}`);
    }
    add(fields, `a|s:${query.sort || "-createdAt"}`);
    for (const filter of FILTERS) if (query[filter]) add(fields, `a|f:${filter}`);
  }
}

/** Counts waits for a pooled connection (db.ts counts them). */
export function recordPoolWaits(count: number, ms: number, now = Date.now()): void {
  const { fields } = pendingFor(now);
  add(fields, "p|w", count);
  add(fields, "p|wms", Math.round(ms));
}

const pairs = (map: Map<string, number>, limit = Number.POSITIVE_INFINITY): (string | number)[] => {
  const out: (string | number)[] = [];
  for (const [key, n] of map) {
    if (out.length >= limit * 2) break;
    out.push(key, n);
  }
  return out;
};

/**
 * Sends what is pending when a second has passed since the last flush (or always, with force).
 * Resolves with the token Redis holds in {mt:ops:D}:alive (a token that changed since this process
 * last saw one means Redis was flushed or restarted meanwhile), or undefined when nothing was sent;
 * never throws.
 */
export async function flushOps(
  redis: (Redis & OpsCommands) | undefined,
  opsKeys: OpsKeys,
  options: { force?: boolean; now?: number },
): Promise<string | undefined> {
  const now = options.now ?? Date.now();
  if (redis?.status !== "ready") return undefined;
  if (!options.force && now - lastFlush < FLUSH_EVERY_MS) return undefined;
  lastFlush = now;
  const batches = pending;
  pending = new Map();
  const minute = minuteOf(now);
  let alive: string | undefined;
  const token = randomBytes(6).toString("base64url");
  // At least one call, so that a flushed Redis is noticed even in a quiet second.
  const slots = batches.size > 0 ? [...batches] : [[slotOf(now), newPending()] as const];
  for (const [slot, batch] of slots) {
    const fields = pairs(batch.fields);
    const tasks = pairs(batch.tasks, MAX_HOT_PER_FLUSH);
    const pages = pairs(batch.pages, MAX_HOT_PER_FLUSH);
    try {
      const took: string = await redis.mtOpsFlush(
        opsKeys.slot(slot),
        opsKeys.hotTasks(minute),
        opsKeys.hotPages(minute),
        opsKeys.alive,
        SLOT_TTL_MS,
        HOT_TTL_MS,
        HOT_TASKS_CAP,
        HOT_PAGES_CAP,
        token,
        fields.length / 2,
        ...fields,
        tasks.length / 2,
        ...tasks,
        ...pages,
      );
      alive = took;
    } catch {
      // Figures are best effort: a second of them is lost, requests are not slowed.
    }
  }
  return alive;
}

/** Drops what this process has not flushed (tests). */
export function resetRecorder(): void {
  pending = new Map();
  lastFlush = 0;
}

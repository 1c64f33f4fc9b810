// What the handlers call: the repository read through the cache and written through it. The
// order is always PostgreSQL first, then Redis, then the response, so a client that got an answer
// finds its write in every cached view; when Redis cannot answer, PostgreSQL does.

import {
  type CreateTaskInput,
  type ListTasksQuery,
  pickFilters,
  type UpdateTaskInput,
} from "#contract/schemas";
import type { AuditContext } from "../audit/context";
import { fillTasks, getTasks, noteRead, type TaskRead, writeThrough } from "../cache/entries";
import { cacheHealth as readCacheHealth } from "../cache/health";
import { normalizedKey } from "../cache/keys";
import {
  type IndexAnchor,
  indexSlice,
  invalidateAll,
  type RebuildOptions,
  type RebuildResult,
  rebuildIndex,
  setIndexReader,
} from "../cache/position-index";
import { cachedQuery } from "../cache/query-cache";
import { publishTaskDeleted, publishTaskWrite } from "../live/feed";
import { onPrimary } from "../platform/db";
import { InvalidCursorError, NotFoundError } from "../platform/errors";
import { decodeCursor, encodeCursor, queryFingerprint } from "./cursor";
import { renderPage } from "./page-body";
import { hasFilters, SORT_COLUMNS } from "./query";
import * as repo from "./repository";
import type { TaskRecord } from "./task-record";

/**
 * The index is built from the primary: a rebuild kicked by a GET would otherwise inherit its
 * request's replica routing, and a lagging replica would leave out tasks written just before.
 */
const indexRowsFromPrimary = (afterId: string, limit: number) =>
  onPrimary(() => repo.indexRows(afterId, limit));

setIndexReader(indexRowsFromPrimary);

/**
 * A miss for one task is its own primary-key lookup, deliberately not shared with a concurrent one:
 * a query that started before a write committed would hand the old version to a reader that
 * arrived after the commit.
 */
export async function readTask(id: string): Promise<TaskRecord> {
  const cached = await getTasks([id]);
  const entry = cached?.entries[0];
  if (entry === "deleted") {
    noteRead("hit");
    throw new NotFoundError(`Task ${id} not found`);
  }
  if (entry) {
    noteRead("hit");
    return entry;
  }
  noteRead(cached ? "miss" : "bypass");
  if (!cached) return repo.getTask(id);
  // What fills the cache is read from the primary: a lagging replica's row would outlive its lag there.
  // A first miss is not stored (admission), so it may read a replica.
  if (!cached.missedBefore[0]) return repo.getTask(id);
  const task = await onPrimary(() => repo.getTask(id));
  await fillTasks(cached, [task]);
  return task;
}

/**
 * A page of tasks by id: their entries (read with the index slice, or one round trip here), one
 * SQL query for the misses, one pipeline to refill those missed before.
 */
async function tasksByIds(ids: string[], read?: TaskRead): Promise<Map<string, TaskRecord>> {
  const found = new Map<string, TaskRecord>();
  if (ids.length === 0) {
    noteRead("hit");
    return found;
  }
  const cached = read ?? (await getTasks(ids));
  const misses: string[] = [];
  // Only tasks missed before are stored again (admission, cache/entries.ts).
  const admitted = new Set<string>();
  ids.forEach((id, i) => {
    const entry = cached?.entries[i];
    if (entry === "deleted") return;
    if (entry) found.set(id, entry);
    else {
      misses.push(id);
      if (cached?.missedBefore[i]) admitted.add(id);
    }
  });
  noteRead(
    !cached ? "bypass" : misses.length === 0 ? "hit" : misses.length === ids.length ? "miss" : "partial",
  );
  if (misses.length > 0) {
    // Rows that will be stored are read from the primary (see readTask).
    const rows =
      admitted.size > 0 ? await onPrimary(() => repo.getTasks(misses)) : await repo.getTasks(misses);
    for (const row of rows) found.set(row.id, row);
    if (cached && admitted.size > 0)
      await fillTasks(
        cached,
        rows.filter((row) => admitted.has(row.id)),
      );
  }
  return found;
}

const isIndexable = (request: ListTasksQuery): boolean => {
  return request.sort.key === "createdAt" && !hasFilters(pickFilters(request));
};

/**
 * The default ordering (and its reverse) from the position index: O(log n) to any position. Answers
 * undefined whenever the index cannot, and the caller falls back to the query cache / PostgreSQL.
 */
async function listFromIndex(request: ListTasksQuery): Promise<repo.ListResult | undefined> {
  const { sort, limit } = request;
  const fingerprint = queryFingerprint(sort, {});
  let anchor: IndexAnchor = { mode: "pos", position: request.offset ?? 0 };
  if (request.cursor !== undefined) {
    const cursor = decodeCursor(request.cursor, fingerprint);
    // The index anchors on the id, but a cursor whose key could not be PostgreSQL's is refused
    // here exactly as the SQL path refuses it.
    if (!SORT_COLUMNS.createdAt.isValidKey(cursor.k)) {
      throw new InvalidCursorError("bad key");
    }
    anchor = { mode: cursor.d === "n" ? "after" : "before", id: cursor.i };
  }
  const slice = await indexSlice(sort.direction, anchor, limit + 1);
  if (!slice) return undefined;
  const tasks = await tasksByIds(slice.ids, slice.read);
  const missing = slice.ids.filter((id) => !tasks.has(id));
  if (missing.length > 0) {
    await slice.repair(missing);
    return undefined;
  }
  let ids = slice.ids;
  const more = ids.length > limit;
  let hasBefore: boolean;
  let hasAfter: boolean;
  if (anchor.mode === "before") {
    ids = more ? ids.slice(1) : ids;
    hasBefore = more;
    hasAfter = true;
  } else {
    ids = ids.slice(0, limit);
    hasBefore = anchor.mode === "after" || slice.start > 0;
    hasAfter = more;
  }
  const records = ids.flatMap((id) => tasks.get(id) ?? []);
  const items = records.map(({ id, json }) => ({ id, json }));
  const cursorOf = (record: TaskRecord | undefined, d: "n" | "p") =>
    record ? encodeCursor({ q: fingerprint, k: record.createdAt, i: record.id, d }) : null;
  return {
    items,
    nextCursor: hasAfter ? cursorOf(records.at(-1), "n") : null,
    prevCursor: hasBefore ? cursorOf(records[0], "p") : null,
    total: { value: slice.total, exact: true },
    offset: request.cursor === undefined ? (request.offset ?? null) : null,
  };
}

/** GET /tasks as a response body. */
export async function listTaskPage(request: ListTasksQuery): Promise<string> {
  const { sort, ...rest } = request;
  const key = normalizedKey("list", { ...rest, sort: `${sort.direction}:${sort.key}` });
  if (isIndexable(request)) {
    // The page everyone opens is also kept whole, so its repeat costs one round trip; positions
    // and cursors, spread over millions of rows, are answered from the index each time.
    if (request.cursor === undefined && !request.offset) {
      return cachedPage(key, async () => (await listFromIndex(request)) ?? repo.listTasks(request));
    }
    const page = await listFromIndex(request);
    if (page) return renderPage(page);
  }
  return cachedPage(key, () => repo.listTasks(request));
}

/**
 * The next task expiry, remembered for the cache generation it was read in: only a write (which
 * moves the generation) or that instant passing can change it. Saves a miss its second query.
 */
let expiryMemo: { gen: string; at: number | null } | undefined;

async function nextExpiryFor(gen: string | undefined): Promise<number | null> {
  const memo = expiryMemo;
  if (gen !== undefined && memo?.gen === gen && (memo.at === null || memo.at > Date.now())) return memo.at;
  const at = await repo.nextExpiry();
  if (gen !== undefined) expiryMemo = { gen, at };
  return at;
}

/** A page through the query cache, kept no longer than the next task expiry could change it. */
function cachedPage(key: string, read: () => Promise<repo.ListResult>): Promise<string> {
  return cachedQuery(key, async (gen) => {
    const [page, validUntilMs] = await Promise.all([read(), nextExpiryFor(gen)]);
    return { body: renderPage(page), validUntilMs };
  });
}

/** GET /tasks/stats as a response body, cached under the generation like a list page. */
export function statsBody(): Promise<string> {
  return cachedQuery(normalizedKey("stats", {}), async (gen) => {
    const [stats, validUntilMs] = await Promise.all([repo.taskStats(), nextExpiryFor(gen)]);
    return { body: JSON.stringify(stats), validUntilMs };
  });
}

export async function createTask(
  input: CreateTaskInput,
  audit: AuditContext,
  idempotencyKey?: string,
): Promise<repo.CreateResult> {
  const task = await repo.createTask(input, audit, idempotencyKey);
  // A replay returns the first response; the first request already wrote it through.
  if (!task.replayed) {
    await writeThrough({ op: "put", task });
    await publishTaskWrite("task.created", task);
  }
  return task;
}

export async function updateTask(
  id: string,
  patch: UpdateTaskInput,
  audit: AuditContext,
  expectedVersion?: number,
): Promise<TaskRecord> {
  const task = await repo.updateTask(id, patch, audit, expectedVersion);
  await writeThrough({ op: "put", task });
  await publishTaskWrite("task.updated", task);
  return task;
}

export async function deleteTask(id: string, audit: AuditContext, expectedVersion?: number): Promise<void> {
  await repo.deleteTask(id, audit, expectedVersion);
  await writeThrough({ op: "del", id });
  await publishTaskDeleted(id);
}

/** Builds the position index if it is missing (or always, with force). Scheduled by `maintain`. */
export function rebuildTaskIndex(options: RebuildOptions = {}): Promise<RebuildResult> {
  return rebuildIndex(indexRowsFromPrimary, options);
}

/**
 * After a bulk load that bypassed the write path (seeding): drops every cached entry, page and the
 * index at once. With `rebuild: true` the index is rebuilt before returning (for batch functions
 * with a long timeout); otherwise in the background and by the next `maintain` run.
 */
export async function invalidateCaches(options: { rebuild?: boolean } = {}): Promise<void> {
  const invalidated = await invalidateAll(!options.rebuild);
  if (invalidated && options.rebuild) await rebuildTaskIndex({ force: true });
}

export const cacheHealth = readCacheHealth;

/**
 * Loads tasks into the cache that are not there (the warm-up after a flush, functions/src/ops/warm.ts;
 * never a request): one MGET, one SQL query for the misses, one pipeline. Answers how many it loaded.
 */
export async function warmTasks(ids: string[]): Promise<number> {
  const cached = await getTasks(ids);
  if (!cached) return 0;
  const misses = ids.filter((_, i) => cached.entries[i] === undefined);
  if (misses.length === 0) return 0;
  const rows = await repo.getTasks(misses);
  await fillTasks(cached, rows);
  return rows.length;
}

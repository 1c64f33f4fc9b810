// The cache's write path against the real Redis with the values validation lets through and a few
// it never should (issue 11, finding 2): a write Redis cannot store costs that one task its entry,
// never the epoch (before: an expiry rendered as year 10000 made a NaN TTL, the write failed and
// every entry, page and the 1M-entry index were dropped).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTaskInput } from "#contract/schemas";
import { entryTtlMs, getTasks, writeArgs, writeThrough, writeThroughMany } from "../../src/cache/entries";
import { closeCache } from "../../src/cache/health";
import { cacheKeys, epochKey } from "../../src/cache/keys";
import { indexSnapshot } from "../../src/cache/position-index";
import { cacheClient, cacheState, currentSpace } from "../../src/cache/state";
import { closePool, query } from "../../src/platform/db";
import { createTask, invalidateCaches, readTask } from "../../src/tasks/service";
import type { TaskRecord } from "../../src/tasks/task-record";
import { ensureIndex } from "../support/cache-kit";
import { factoryAudit, makeTask } from "../support/factories";

const HOUR_MS = 3_600_000;
const NOW = Date.parse("2026-11-27T12:00:00Z");

beforeAll(async () => {
  await invalidateCaches();
});

afterAll(async () => {
  await closeCache();
  await closePool();
});

describe("entryTtlMs", () => {
  const cases: [string, number, number | null][] = [
    ["no expiry", 3_600, null],
    ["expiry NaN (a date PostgreSQL rendered as year 10000)", 3_600, Number.NaN],
    ["expiry +Infinity", 3_600, Number.POSITIVE_INFINITY],
    ["expiry -Infinity", 3_600, Number.NEGATIVE_INFINITY],
    ["expiry at the end of year 9999", 3_600, Date.parse("9999-12-31T23:59:59.999Z")],
    ["expiry in year 1", 3_600, Date.parse("0001-01-01T00:00:00Z")],
    ["expiry a millisecond ago", 3_600, NOW - 1],
    ["expiry in half a second", 3_600, NOW + 500],
    ["maximum NaN", Number.NaN, null],
    ["maximum negative", -5, null],
    ["maximum absurd", 1e300, null],
    ["maximum infinite", Number.POSITIVE_INFINITY, NOW + HOUR_MS],
  ];
  it.each(cases)("when %s, then the TTL is a whole number of ms in [0, 24 h]", (_name, max, expiry) => {
    for (let i = 0; i < 20; i += 1) {
      const ttl = entryTtlMs(max, expiry, NOW);
      expect(Number.isInteger(ttl)).toBe(true);
      expect(ttl).toBeGreaterThanOrEqual(0);
      expect(ttl).toBeLessThanOrEqual(24 * HOUR_MS);
    }
  });

  it("when the expiry is unknown or past, then nothing is kept; when it is far, the maximum applies", () => {
    expect(entryTtlMs(3_600, Number.NaN, NOW)).toBe(0);
    expect(entryTtlMs(3_600, NOW - 1, NOW)).toBe(0);
    expect(entryTtlMs(3_600, NOW + 500, NOW)).toBe(500);
    const far = entryTtlMs(3_600, Date.parse("9999-12-31T23:59:59.999Z"), NOW);
    expect(far).toBeGreaterThanOrEqual(0.9 * HOUR_MS);
    expect(far).toBeLessThanOrEqual(HOUR_MS);
    expect(entryTtlMs(3_600, NOW, Number.NaN)).toBe(0);
  });
});

/** A record as the repository would make it, with facts overridden to edge values. */
async function recordWith(facts: Partial<TaskRecord>): Promise<TaskRecord> {
  const task = await createTask(CreateTaskInput.parse({ title: "edge" }), factoryAudit);
  if (task.replayed) throw new Error("unexpected replay");
  return { ...task, ...facts };
}

async function epochNow(): Promise<string | null> {
  const redis = cacheClient();
  if (!redis || !cacheState.space) throw new Error("no cache");
  return redis.get(epochKey(cacheState.space.db));
}

describe("a write the cache cannot store", () => {
  it.each<[string, Partial<TaskRecord>]>([
    ["an expiry that is not a number", { expiresAtMicros: Number.NaN }],
    ["a created instant that is not a number", { createdMicros: Number.NaN }],
    ["an infinite created instant", { createdMicros: Number.POSITIVE_INFINITY }],
    ["a version that is not a number", { version: Number.NaN }],
  ])(
    "when a task has %s, then the epoch stays, other entries stay, and that task is not served from the cache",
    async (_name, facts) => {
      const bystander = await makeTask();
      // A task is stored on its second miss (admission, cache/entries.ts).
      await readTask(bystander.id);
      await readTask(bystander.id);
      const record = await recordWith({});
      await ensureIndex();
      const before = await epochNow();
      expect(before).toBeTruthy();

      await writeThrough({ op: "put", task: { ...record, ...facts } });

      expect(cacheState.owesInvalidation).toBe(false);
      expect(await epochNow()).toBe(before);
      const read = await getTasks([bystander.id, record.id]);
      expect(read?.entries[0]).toMatchObject({ id: bystander.id });
      // The entry of the write before it (a valid one) is gone too: never an older version served.
      expect(read?.entries[1]).toBeUndefined();
      // The index could not place it: it is dropped (rebuilt in the background), not left wrong.
      expect(writeArgs({ op: "put", task: { ...record, ...facts } }).op).toBe("forget");
      expect(await indexSnapshot()).toBeUndefined();
      expect((await readTask(record.id)).json).toBe(record.json);
    },
  );

  it("when validation's extreme instants are written (expiry at the end of year 9999, or in year 1), then the epoch stays and reads are right", async () => {
    const before = await epochNow();
    const far = await createTask(
      CreateTaskInput.parse({ title: "far", expiresAt: "9999-12-31T23:59:59.999999Z" }),
      factoryAudit,
    );
    const gone = await createTask(
      CreateTaskInput.parse({
        title: "gone",
        expiresAt: "0001-01-01T00:00:00Z",
        dueAt: "0001-01-01T00:00:00Z",
      }),
      factoryAudit,
    );
    expect(await epochNow()).toBe(before);
    const read = await getTasks([far.id, gone.id]);
    expect(read?.entries[0]).toMatchObject({ id: far.id });
    expect(read?.entries[1]).toBe("deleted");
    const redis = cacheClient();
    const pttl = await redis?.pttl(cacheKeys(await currentSpace(redis as never)).task(far.id));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(HOUR_MS);
    await query("delete from tasks where id = any($1::bigint[])", [[far.id, gone.id]]);
  });
});

// Issue 16: a bulk job's chunk reaches the cache in one script per 500 tasks, under the single
// write's rules.
describe("many writes at once (a bulk job's chunk)", () => {
  /** A new version of a task, as a chunk's UPDATE ... RETURNING would give it. */
  const edited = (task: TaskRecord, version: number, title: string): TaskRecord => ({
    ...task,
    version,
    json: JSON.stringify({ ...JSON.parse(task.json), title, version }),
  });

  /** The title of a cached entry (a task's JSON), failing plainly when there is none. */
  const titleOf = (entry: unknown): string => {
    if (!entry || typeof entry !== "object" || !("json" in entry))
      throw new Error(`no entry: ${String(entry)}`);
    return JSON.parse(String(entry.json)).title;
  };

  const generation = async () => {
    const redis = cacheClient();
    if (!redis) throw new Error("no cache");
    return redis.get(cacheKeys(await currentSpace(redis as never)).gen);
  };

  it("when puts and a delete land together, then entries, tombstone, index and generation are as one write each would leave them", async () => {
    const [a, b, c] = [await recordWith({}), await recordWith({}), await recordWith({})];
    await ensureIndex();
    for (const task of [a, b, c]) {
      await readTask(task.id);
      await readTask(task.id);
    }
    // A newer version of b already reached the cache (a person's edit after the chunk's read).
    await writeThrough({ op: "put", task: edited(b, b.version + 5, "person's edit") });
    const before = { epoch: await epochNow(), generation: await generation() };

    await writeThroughMany([
      { op: "put", task: edited(a, a.version + 1, "bulk a") },
      { op: "put", task: edited(b, b.version + 1, "bulk b") },
      { op: "del", id: c.id },
    ]);

    expect(await epochNow()).toBe(before.epoch);
    expect(await generation()).not.toBe(before.generation);
    const read = await getTasks([a.id, b.id, c.id]);
    expect(titleOf(read?.entries[0])).toBe("bulk a");
    expect(titleOf(read?.entries[1])).toBe("person's edit");
    expect(read?.entries[2]).toBe("deleted");
    const indexed = await indexSnapshot();
    expect(indexed).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(indexed).not.toContain(c.id);
  });

  it("when a chunk spans several scripts and one task's facts cannot be stored, then that task and the index are forgotten and the rest is written", async () => {
    const task = await recordWith({});
    await ensureIndex();
    const before = await epochNow();
    // 1,200 entries: three scripts of at most 500 (ids far beyond the table's, removed below).
    const many = Array.from({ length: 1_200 }, (_, i) =>
      edited({ ...task, id: String(9e12 + i) }, 7, `many ${i}`),
    );
    const broken = { ...edited(task, task.version + 1, "broken"), createdMicros: Number.NaN };

    await writeThroughMany([
      ...many.map((t) => ({ op: "put" as const, task: t })),
      { op: "put", task: broken },
    ]);

    expect(await epochNow()).toBe(before);
    expect(cacheState.owesInvalidation).toBe(false);
    const read = await getTasks([many[0]?.id ?? "", many[1_199]?.id ?? "", task.id]);
    expect(titleOf(read?.entries[0])).toBe("many 0");
    expect(titleOf(read?.entries[1])).toBe("many 1199");
    expect(read?.entries[2]).toBeUndefined();
    expect(await indexSnapshot()).toBeUndefined();
    await invalidateCaches();
  });
});

import { describe, expect, it } from "vitest";
import { TASK_PRIORITIES, TASK_STATUSES } from "#contract/constants";
import type { ListTasksQuery } from "#contract/schemas";
import { handler as seed } from "../../src/handlers/seed";
import { query } from "../../src/platform/db";
import type { SeedPlan } from "../../src/seed/input";
import { LIVE, orderBy, SORT_KEY_NAMES } from "../../src/tasks/query";
import { countTasks, listTasks, taskStats } from "../../src/tasks/repository";

// Fixed anchor in the past: some generated expiries are already over, so totals and positions
// must leave those rows out exactly as the API does.
const ANCHOR = "2025-06-01T12:00:00Z";

type SeedArgs = Record<string, unknown>;
type SeedOutcome = Awaited<ReturnType<typeof seed>>;
/** A one-shot load (no action): answers the whole run's report. */
const run = (args: SeedArgs) =>
  seed(args) as Promise<Extract<SeedOutcome, { plan: SeedPlan; steps: unknown }>>;
/** One step of the chunked protocol (begin, load, step, abort). */
const act = (args: SeedArgs & { action: string }) => seed(args);
const begin = (args: SeedArgs) => seed({ ...args, action: "begin" }) as Promise<SeedPlan>;

/** A digest of every row, in id order: equal digests mean identical tables. */
async function tableDigest(): Promise<{ rows: number; digest: string }> {
  const result = await query<{ rows: string; digest: string }>(
    `select count(*) as rows, coalesce(md5(string_agg(t::text, '|' order by id)), '') as digest from tasks t`,
  );
  return { rows: Number(result.rows[0]?.rows), digest: result.rows[0]?.digest ?? "" };
}

async function liveCount(): Promise<number> {
  const result = await query<{ n: string }>(`select count(*) as n from tasks t where ${LIVE}`);
  return Number(result.rows[0]?.n);
}

async function expectExactTotals(): Promise<void> {
  const grouped = await query<{ status: string; priority: number; n: string }>(
    `select status, priority, count(*) as n from tasks t where ${LIVE} group by 1, 2`,
  );
  const stats = await taskStats();
  const live = await liveCount();
  expect(stats.total).toBe(live);
  for (const status of TASK_STATUSES) {
    const expected = grouped.rows
      .filter((row) => row.status === status)
      .reduce((sum, row) => sum + Number(row.n), 0);
    expect(stats.byStatus[status], status).toBe(expected);
  }
  for (const [rank, priority] of TASK_PRIORITIES.entries()) {
    const expected = grouped.rows
      .filter((row) => row.priority === rank)
      .reduce((sum, row) => sum + Number(row.n), 0);
    expect(stats.byPriority[priority], priority).toBe(expected);
  }
  expect(await countTasks({})).toEqual({ value: live, exact: true });
  const stored = await query<{ n: string }>("select coalesce(sum(n), 0) as n from task_counts");
  const all = await query<{ n: string }>("select count(*) as n from tasks");
  expect(Number(stored.rows[0]?.n)).toBe(Number(all.rows[0]?.n));
}

/** The page at `offset` through the API's position path, against a plain OFFSET query. */
async function expectPositionsExact(offsets: number[], limit = 7): Promise<void> {
  for (const key of SORT_KEY_NAMES) {
    for (const direction of ["asc", "desc"] as const) {
      for (const offset of offsets) {
        const page = await listTasks({ limit, offset, sort: { key, direction } } as ListTasksQuery);
        const expected = await query<{ id: string }>(
          `select t.id::text as id from tasks t where ${LIVE} order by ${orderBy(key, direction)} offset $1 limit $2`,
          [offset, limit],
        );
        expect(
          page.items.map((item) => item.id),
          `${direction === "desc" ? "-" : ""}${key} offset ${offset}`,
        ).toEqual(expected.rows.map((row) => row.id));
      }
    }
  }
}

describe("seed function", () => {
  it("when the same seed runs twice, then the rows are identical; another seed gives other rows", async () => {
    await run({ count: 2_500, truncate: true, seed: 11, anchor: ANCHOR });
    const first = await tableDigest();
    await run({ count: 2_500, truncate: true, seed: 11, anchor: ANCHOR });
    const second = await tableDigest();
    await run({ count: 2_500, truncate: true, seed: 12, anchor: ANCHOR });
    const other = await tableDigest();
    expect(first.rows).toBe(2_500);
    expect(second).toEqual(first);
    expect(other.digest).not.toBe(first.digest);
  });

  it("when a load is split into chunks loaded in any order, then the rows equal a one-shot load", async () => {
    await run({ count: 3_000, truncate: true, seed: 5, anchor: ANCHOR });
    const oneShot = await tableDigest();
    const plan = await begin({
      count: 3_000,
      truncate: true,
      seed: 5,
      anchor: ANCHOR,
      chunkRows: 1_000,
    });
    expect(plan.chunks).toBe(3);
    for (const chunk of [2, 0, 1, 1]) await act({ action: "load", loadId: plan.loadId, chunk });
    for (const phase of plan.phases) {
      await Promise.all(phase.map((step) => run({ action: "step", loadId: plan.loadId, step })));
    }
    expect(await tableDigest()).toEqual(oneShot);
  });

  it("when a seed finishes, then totals, stats and task_counts are exact", async () => {
    const result = await run({ count: 4_200, truncate: true, seed: 3, anchor: ANCHOR });
    expect(result.rows).toBe(4_200);
    expect(result.memory.rssPeakMb).toBeGreaterThan(0);
    const expired = await query<{ n: string }>("select count(*) as n from tasks where expires_at <= now()");
    expect(Number(expired.rows[0]?.n), "the fixture should include expired rows").toBeGreaterThan(0);
    await expectExactTotals();
  });

  it("when a seed finishes, then every position jump returns the rows an OFFSET query returns", async () => {
    await run({ count: 5_500, truncate: true, seed: 9, anchor: ANCHOR });
    const fences = await query<{ sort_key: string; n: string }>(
      "select sort_key, count(*) as n from task_fences group by 1 order by 1",
    );
    expect(fences.rows.map((row) => [row.sort_key, Number(row.n)])).toEqual(
      [...SORT_KEY_NAMES].sort().map((key) => [key, 6]),
    );
    const log = await query<{ n: string }>("select count(*) as n from task_rank_log");
    expect(Number(log.rows[0]?.n)).toBe(0);
    const live = await liveCount();
    await expectPositionsExact([1, 998, 999, 1_000, 1_001, 2_750, 4_999, live - 3, live - 1]);
  });

  it("when a seed replaces the table, then writes afterwards keep counts, ids and positions exact", async () => {
    await run({ count: 3_000, truncate: true, seed: 4, anchor: ANCHOR });
    const created = await query<{ id: string }>(
      "insert into tasks (title, status, priority) values ('After seed', 'blocked', 3) returning id::text as id",
    );
    expect(created.rows[0]?.id).toBe("3001");
    await query("delete from tasks where id in (10, 1500, 2999)");
    await query(
      "update tasks set status = 'done', updated_at = clock_timestamp() where id between 100 and 120",
    );
    await expectExactTotals();
    await expectPositionsExact([0, 999, 1_000, 2_000]);
  });

  it("when appending, then rows are added after the existing ones and everything stays exact", async () => {
    await run({ count: 2_000, truncate: true, seed: 1, anchor: ANCHOR });
    const appended = await run({ count: 1_500, seed: 2, anchor: ANCHOR });
    expect(appended.plan.mode).toBe("append");
    const ids = await query<{ min: string; max: string; n: string }>(
      "select min(id) as min, max(id) as max, count(*) as n from tasks",
    );
    expect(ids.rows[0]).toEqual({ min: "1", max: "3500", n: "3500" });
    await expectExactTotals();
    await expectPositionsExact([0, 1_000, 2_999]);

    await run({ count: 700, truncate: true, seed: 1, anchor: ANCHOR });
    const replaced = await query<{ min: string; max: string; n: string }>(
      "select min(id) as min, max(id) as max, count(*) as n from tasks",
    );
    expect(replaced.rows[0]).toEqual({ min: "1", max: "700", n: "700" });
    await expectExactTotals();
  });

  it("when the input is invalid, then the function throws naming the problem and changes nothing", async () => {
    await run({ count: 300, truncate: true, seed: 1, anchor: ANCHOR });
    const before = await tableDigest();
    await expect(run({ count: -1 })).rejects.toThrow(/count/);
    await expect(run({ count: "many" })).rejects.toThrow(/count/);
    await expect(run({ count: 10, truncate: "yes" })).rejects.toThrow(/truncate/);
    await expect(run({ count: 10, colour: "red" })).rejects.toThrow(/colour|Unrecognized/i);
    await expect(run({ count: 3_000_000 })).rejects.toThrow(/npm run seed/);
    await expect(run({ action: "drop" })).rejects.toThrow(/action/);
    await expect(run({ action: "load", loadId: "x; drop table tasks", chunk: 0 })).rejects.toThrow(/loadId/);
    await expect(run({ action: "step", loadId: "abcdef123", step: "swap" })).rejects.toThrow(
      /does not exist/,
    );
    expect(await tableDigest()).toEqual(before);
  });

  it("when a replace load is aborted at any point, then the table is unchanged and the staging table gone", async () => {
    await run({ count: 1_200, truncate: true, seed: 8, anchor: ANCHOR });
    const before = await tableDigest();
    const plan = await begin({
      count: 2_000,
      truncate: true,
      seed: 99,
      anchor: ANCHOR,
      chunkRows: 1_000,
    });
    await act({ action: "load", loadId: plan.loadId, chunk: 0 });
    await act({ action: "load", loadId: plan.loadId, chunk: 1 });
    // Everything but the swap has run: the staging table is complete and indexed.
    for (const phase of plan.phases.slice(0, -1)) {
      for (const step of phase) await act({ action: "step", loadId: plan.loadId, step });
    }
    expect(await act({ action: "abort", loadId: plan.loadId })).toMatchObject({ state: "aborted" });
    await expect(run({ action: "step", loadId: plan.loadId, step: "swap" })).rejects.toThrow(/aborted/);
    await expect(run({ action: "load", loadId: plan.loadId, chunk: 0 })).rejects.toThrow(/aborted/);
    expect(await tableDigest()).toEqual(before);
    const staging = await query("select 1 from pg_class where relname = $1", [`tasks_seed_${plan.loadId}`]);
    expect(staging.rowCount).toBe(0);
    await expectExactTotals();
  });

  it("when an append load is aborted before its last step, then the table is unchanged", async () => {
    await run({ count: 800, truncate: true, seed: 8, anchor: ANCHOR });
    const before = await tableDigest();
    const plan = await begin({
      count: 1_500,
      seed: 3,
      anchor: ANCHOR,
      chunkRows: 1_000,
    });
    await act({ action: "load", loadId: plan.loadId, chunk: 1 });
    await expect(run({ action: "step", loadId: plan.loadId, step: "append" })).rejects.toThrow(/1 of|500 of/);
    expect(await act({ action: "abort", loadId: plan.loadId })).toMatchObject({ state: "aborted" });
    expect(await tableDigest()).toEqual(before);
    await expectExactTotals();
  });
});

// The scheduled maintain function against the real database: it keeps the task tables vacuumed
// whether or not the server runs autovacuum (this machine's does not).
import { describe, expect, it } from "vitest";
import { handler as maintain } from "../../src/handlers/maintain";
import { query } from "../../src/platform/db";
import { VACUUM_AFTER } from "../../src/tasks/upkeep";
import { waitFor } from "../support/cache-kit";
import { uniqueMarker } from "../support/factories";

async function changedSinceVacuum(): Promise<number> {
  const { rows } = await query<{ changed: string }>(
    "select n_dead_tup + n_ins_since_vacuum as changed from pg_stat_user_tables where relid = 'tasks'::regclass",
  );
  return Number(rows[0]?.changed ?? 0);
}

/** Inserts enough tagged tasks to make the tables worth vacuuming, and waits until statistics say so. */
async function changeEnoughRows(marker: string, title: string): Promise<void> {
  await query(
    "insert into tasks (title, tags) select $3 || ' ' || g, array[$1] from generate_series(1, $2) g",
    [marker, VACUUM_AFTER + 1_000, title],
  );
  // Statistics reach the shared counters up to a second after the commit.
  await waitFor(async () => (await changedSinceVacuum()) >= VACUUM_AFTER, 10_000);
}

describe("maintain", () => {
  it("when enough rows changed since the last vacuum, then it vacuums and the pages are all-visible again", async () => {
    const marker = uniqueMarker("vacuum");
    await changeEnoughRows(marker, "Vacuum");

    const report = await maintain({});
    expect(report.vacuum).toMatchObject({ vacuumed: true, changed: expect.any(Number) });
    const { rows } = await query<{ pages: number; visible: number }>(
      "select relpages as pages, relallvisible as visible from pg_class where oid = 'tasks'::regclass",
    );
    const { pages, visible } = rows[0] ?? { pages: 0, visible: 0 };
    expect(visible).toBeGreaterThan(pages * 0.8);
    await query("delete from tasks where tags @> array[$1::text]", [marker]);
  });

  it("when Idempotency-Keys are older than their TTL, then maintain deletes them and keeps the recent ones", async () => {
    const old = uniqueMarker("old");
    const recent = uniqueMarker("recent");
    await query(
      `insert into idempotency_keys (key, request_hash, created_at)
       values ($1, 'h', now() - interval '25 hours'), ($2, 'h', now() - interval '23 hours')`,
      [old, recent],
    );
    const report = await maintain({});
    expect(report.idempotencyKeysPurged).toBeGreaterThanOrEqual(1);
    const { rows } = await query<{ key: string }>("select key from idempotency_keys where key = any($1)", [
      [old, recent],
    ]);
    expect(rows.map((row) => row.key)).toEqual([recent]);
    await query("delete from idempotency_keys where key = $1", [recent]);
  });

  it("when a bulk job is writing, then the scheduled run leaves resampling and vacuuming for later; an operator's run does them", async () => {
    const marker = uniqueMarker("busy");
    await changeEnoughRows(marker, "Busy");
    const job = await query<{ id: string }>(
      `insert into jobs (kind, state, owner_id, owner_name, owner_role, request, started_at)
       values ('bulk', 'running', 'test-editor', 'Editor', 'editor', '{}', now()) returning id::text`,
    );
    const scheduled = { source: "aws.events", "detail-type": "Scheduled Event", force: false };
    try {
      const busy = await maintain(scheduled);
      expect(busy).toMatchObject({ resampled: null, vacuum: { deferred: true } });
      expect(await changedSinceVacuum()).toBeGreaterThanOrEqual(VACUUM_AFTER);
      const explicit = await maintain({});
      expect(explicit.vacuum).toMatchObject({ vacuumed: true });
    } finally {
      await query("delete from jobs where id = $1::uuid", [job.rows[0]?.id]);
      await query("delete from tasks where tags @> array[$1::text]", [marker]);
    }
  });
});

import { describe, expect, inject, it } from "vitest";
import { SeedClient, SeedFunctionError, StackNotRunningError } from "../../../scripts/lib/seed-client";
import { query } from "../../src/platform/db";
import { withAuth } from "../support/tokens";

// The seed function as `npm run seed` drives it: through serverless-offline's Lambda Invoke API.
const client = new SeedClient({ endpoint: inject("lambdaUrl"), functionName: "million-tasks-dev-seed" });

describe("seed through the Lambda Invoke API", () => {
  it("when the CLI protocol seeds in chunks, then the table holds exactly the rows and the API serves them", async () => {
    const summary = await client.seed({
      count: 4_321,
      truncate: true,
      seed: 21,
      chunkRows: 1_000,
      progress: false,
    });
    expect(summary.plan.chunks).toBe(5);
    expect(summary.swap).toMatchObject({ maxId: "4321" });
    expect(summary.memory.rssPeakMb).toBeGreaterThan(0);
    const rows = await query<{ n: string; max: string }>("select count(*) as n, max(id) as max from tasks");
    expect(rows.rows[0]).toEqual({ n: "4321", max: "4321" });
    const page = await fetch(`${inject("apiUrl")}/tasks?offset=4000&limit=5&sort=createdAt`, withAuth());
    expect(page.status).toBe(200);
    const body = await page.json();
    const expected = await query<{ id: string }>(
      `select id::text as id from tasks t where t.expires_at is null or t.expires_at > now()
       order by created_at, id offset 4000 limit 5`,
    );
    expect(body.items.map((item: { id: string }) => item.id)).toEqual(expected.rows.map((row) => row.id));
  });

  it("when the input is invalid, then the invocation fails with the validation message", async () => {
    await expect(client.invoke({ count: -5 })).rejects.toBeInstanceOf(SeedFunctionError);
    await expect(client.invoke({ count: -5 })).rejects.toThrow(/count/);
  });

  it("when the signal fires mid-load, then the load is aborted and the table is unchanged", async () => {
    await client.seed({ count: 1_000, truncate: true, seed: 2, progress: false });
    const before = await query<{ d: string }>(
      "select md5(string_agg(t::text, '|' order by id)) as d from tasks t",
    );
    const controller = new AbortController();
    const seeding = client.seed({
      count: 60_000,
      truncate: true,
      seed: 3,
      chunkRows: 5_000,
      concurrency: 1,
      signal: controller.signal,
      progress: false,
    });
    setTimeout(() => controller.abort(), 300);
    await expect(seeding).rejects.toThrow(/interrupted/);
    const after = await query<{ d: string }>(
      "select md5(string_agg(t::text, '|' order by id)) as d from tasks t",
    );
    expect(after.rows[0]?.d).toBe(before.rows[0]?.d);
    const staging = await query("select 1 from pg_class where relname like 'tasks_seed_%' and relkind = 'r'");
    expect(staging.rowCount).toBe(0);
  });

  it("when nothing listens on the endpoint, then the error says to start the stack", async () => {
    const offline = new SeedClient({
      endpoint: "http://127.0.0.1:9",
      functionName: "million-tasks-dev-seed",
    });
    await expect(offline.seed({ count: 10, truncate: true, seed: 1, progress: false })).rejects.toThrow(
      StackNotRunningError,
    );
    offline.destroy();
  });
});

// Coherence of the Redis cache against PostgreSQL, with both real: every read after a write sees
// the write, from every endpoint, whatever the cache held before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListTasksQuery } from "#contract/schemas";
import { fillTasks, getTasks } from "../../src/cache/entries";
import { cacheHealth } from "../../src/cache/health";
import { indexSnapshot, invalidateAll } from "../../src/cache/position-index";
import { handler as createTask } from "../../src/handlers/create-task";
import { handler as deleteTask } from "../../src/handlers/delete-task";
import { handler as getTask } from "../../src/handlers/get-task";
import { handler as listTasks } from "../../src/handlers/list-tasks";
import { handler as taskStats } from "../../src/handlers/task-stats";
import { handler as updateTask } from "../../src/handlers/update-task";
import { query } from "../../src/platform/db";
import * as repo from "../../src/tasks/repository";
import { invalidateCaches, rebuildTaskIndex } from "../../src/tasks/service";
import { ensureIndex, waitFor } from "../support/cache-kit";
import { invoke } from "../support/events";
import { insertTasksSql, uniqueMarker } from "../support/factories";

const get = (id: string) => invoke(getTask, { path: `/tasks/${id}`, pathParameters: { id } });
const list = (q: Record<string, string> = {}) => invoke(listTasks, { path: "/tasks", query: q });
const stats = () => invoke(taskStats, { path: "/tasks/stats" });
const create = (body: Record<string, unknown>) =>
  invoke(createTask, { method: "POST", path: "/tasks", body });
const remove = (id: string) =>
  invoke(deleteTask, { method: "DELETE", path: `/tasks/${id}`, pathParameters: { id } });
const patch = (id: string, body: Record<string, unknown>) =>
  invoke(updateTask, {
    method: "PATCH",
    path: `/tasks/${id}`,
    pathParameters: { id },
    body,
  });

/** The same request answered by PostgreSQL alone: items and total (cursors may spell keys differently). */
async function fromDatabase(q: Record<string, string> = {}) {
  const page = await repo.listTasks(ListTasksQuery.parse(q));
  return { items: page.items.map((item) => JSON.parse(item.json)), total: page.total };
}

async function expectListMatchesDatabase(q: Record<string, string> = {}) {
  const response = await list(q);
  expect(response.statusCode).toBe(200);
  const body = response.json();
  expect({ items: body.items, total: body.total }).toEqual(await fromDatabase(q));
  return response;
}

async function liveIdsByCreatedDesc(): Promise<string[]> {
  const result = await query<{ id: string }>(
    `select id::text as id from tasks t where t.expires_at is null or t.expires_at > now()
     order by t.created_at desc, t.id desc`,
  );
  return result.rows.map((row) => row.id);
}

beforeAll(async () => {
  // Other files write rows with raw SQL behind the cache's back: start from a fresh epoch.
  await invalidateAll(false);
  await ensureIndex({ force: true });
});

afterAll(async () => {
  const { closeCache } = await import("../../src/cache/health");
  await closeCache();
});

describe("read-after-write", () => {
  it("when a task is created, updated and deleted, then every endpoint reflects each step at once", async () => {
    const tag = uniqueMarker("raw");
    // Warm every view first, including an empty result, so a stale cache would show.
    expect((await list({ tag })).json().items).toEqual([]);
    // A page is stored on its query's second ask (admission), so the third is the first hit.
    await list({ tag });
    expect((await list({ tag })).headers["X-Cache"]).toBe("hit");
    await expectListMatchesDatabase();
    await expectListMatchesDatabase({ sort: "createdAt", offset: "3", limit: "5" });
    const statsBefore = (await stats()).json();
    await stats();
    expect((await stats()).headers["X-Cache"]).toBe("hit");

    const created = await create({ title: `Coherent ${tag}`, tags: [tag] });
    expect(created.statusCode).toBe(201);
    const task = created.json();
    const fetched = await get(task.id);
    expect(fetched.json()).toEqual(task);
    expect(fetched.headers["X-Cache"]).toBe("hit");
    expect((await list({ tag })).json().items).toEqual([task]);
    await expectListMatchesDatabase();
    await expectListMatchesDatabase({ sort: "createdAt", offset: "3", limit: "5" });
    expect((await stats()).json().total).toBe(statsBefore.total + 1);

    const updated = await patch(task.id, { title: `Renamed ${tag}`, status: "done" });
    expect(updated.statusCode).toBe(200);
    expect((await get(task.id)).json()).toMatchObject({ title: `Renamed ${tag}`, version: 2 });
    expect((await list({ tag })).json().items[0]).toMatchObject({ title: `Renamed ${tag}`, version: 2 });
    expect((await list({ tag, status: "todo" })).json().items).toEqual([]);
    expect((await stats()).json().byStatus.done).toBe(statsBefore.byStatus.done + 1);
    await expectListMatchesDatabase();

    expect((await remove(task.id)).statusCode).toBe(204);
    expect((await get(task.id)).statusCode).toBe(404);
    expect((await list({ tag })).json().items).toEqual([]);
    expect((await stats()).json()).toEqual(statsBefore);
    await expectListMatchesDatabase();
    expect(await indexSnapshot()).toEqual(await liveIdsByCreatedDesc());
  });

  it("when the key space moves between a miss and its refill, then the refill is dropped", async () => {
    // A Redis restart or a write that could not reach Redis moves the epoch; a reader that read
    // PostgreSQL before that may hold a version older than the one committed meanwhile.
    const task = (await create({ title: `Refill ${uniqueMarker("refill")}` })).json();
    await invalidateAll(false);
    const missed = await getTasks([task.id]);
    expect(missed?.entries).toEqual([undefined]);
    const before = await repo.getTask(task.id);
    await invalidateAll(false);
    if (missed) await fillTasks(missed, [before]);
    expect((await getTasks([task.id]))?.entries).toEqual([undefined]);

    const fresh = await getTasks([task.id]);
    if (fresh) await fillTasks(fresh, [before]);
    expect((await getTasks([task.id]))?.entries[0]).toMatchObject({ version: before.version });
  });

  it("when 50 identical requests miss at once, then one query answers all of them", async () => {
    const tag = uniqueMarker("flight");
    const before = (await cacheHealth()).stats.process.queryLoads;
    const responses = await Promise.all(Array.from({ length: 50 }, () => list({ tag, limit: "7" })));
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect((await cacheHealth()).stats.process.queryLoads - before).toBe(1);
  });
});

describe("concurrent writers and readers", () => {
  it("when writers and readers interleave, then no reader sees a version older than the write it followed", async () => {
    const tag = uniqueMarker("conc");
    const tasks = await Promise.all(
      Array.from({ length: 8 }, async (_, i) =>
        (await create({ title: `C${i} ${tag}`, tags: [tag] })).json(),
      ),
    );
    const writer = async (w: number) => {
      for (let round = 0; round < 6; round += 1) {
        const target = tasks[(w + round) % tasks.length];
        if (!target) continue;
        const title = `W${w}R${round} ${tag}`;
        const response = await patch(target.id, { title });
        expect(response.statusCode).toBe(200);
        const written = response.json();
        // Immediately after the response: the task, its list and the default ordering agree.
        const seen = (await get(target.id)).json();
        expect(seen.version).toBeGreaterThanOrEqual(written.version);
        const listed = (await list({ tag, limit: "50" }))
          .json()
          .items.find((t: { id: string }) => t.id === target.id);
        expect(listed.version).toBeGreaterThanOrEqual(written.version);
      }
    };
    const reader = async () => {
      for (let round = 0; round < 15; round += 1) {
        const target = tasks[round % tasks.length];
        if (!target) continue;
        expect((await get(target.id)).statusCode).toBe(200);
        expect((await list({ tag })).statusCode).toBe(200);
        expect((await list({ limit: "20", offset: String(round) })).statusCode).toBe(200);
      }
    };
    await Promise.all([writer(0), writer(1), writer(2), reader(), reader(), reader()]);
    for (const task of tasks) {
      expect((await get(task.id)).json()).toEqual(JSON.parse((await repo.getTask(task.id)).json));
    }
    await expectListMatchesDatabase({ tag, limit: "50" });
    await expectListMatchesDatabase();
  });
});

describe("index rebuild", () => {
  it("when tasks are deleted and created while the index is rebuilt, then it ends exact: no ghost, no hole", async () => {
    const tag = uniqueMarker("rb");
    await insertTasksSql(3_000, tag, 50);
    const ids = (
      await query<{ id: string }>("select id::text as id from tasks where $1 = any(tags) order by id", [tag])
    ).rows.map((row) => row.id);
    const deleted: string[] = [];
    const created: string[] = [];
    let batches = 0;
    await invalidateAll(false);
    const result = await waitFor(async () => {
      const attempt = await rebuildTaskIndex({
        force: true,
        batchSize: 500,
        afterBatchRead: async (rows) => {
          batches += 1;
          const inBatch = rows.filter((row) => ids.includes(row.id));
          // A task this batch just read (its ZADD comes after the delete), one from an earlier
          // batch, one from a later batch; and a new task the snapshot cannot contain.
          const victims = [inBatch[1]?.id, inBatch[0] ? ids[ids.indexOf(inBatch[0].id) - 7] : undefined]
            .concat(batches === 2 ? [ids.at(-3)] : [])
            .filter((id): id is string => id !== undefined && !deleted.includes(id));
          for (const id of victims) {
            expect((await remove(id)).statusCode).toBe(204);
            deleted.push(id);
          }
          // Reads during the build are answered (from PostgreSQL) and are right.
          await expectListMatchesDatabase({ offset: "1500", limit: "10" });
          created.push((await create({ title: `During ${tag}`, tags: [tag] })).json().id);
        },
      });
      return attempt.built ? attempt : undefined;
    }, 60_000);
    expect(result.built).toBe(true);
    expect(deleted.length).toBeGreaterThan(6);
    expect(created.length).toBeGreaterThan(3);
    const snapshot = await indexSnapshot();
    expect(snapshot).toEqual(await liveIdsByCreatedDesc());
    for (const id of deleted) {
      expect(snapshot).not.toContain(id);
      expect((await get(id)).statusCode).toBe(404);
    }
    for (const id of created) expect(snapshot).toContain(id);
    // Pages through the index equal PostgreSQL's, deep positions included.
    for (const offset of ["0", "999", "2995", String((snapshot?.length ?? 2) - 2)]) {
      await expectListMatchesDatabase({ offset, limit: "10" });
      await expectListMatchesDatabase({ offset, limit: "10", sort: "createdAt" });
    }
    await query("delete from tasks where $1 = any(tags)", [tag]);
    await invalidateCaches({ rebuild: true });
  });

  it("when a page's cursor walks the index forward and back, then it matches PostgreSQL page for page", async () => {
    // Four full pages whatever the database held before: these are the newest tasks.
    const tag = uniqueMarker("walk");
    for (let i = 0; i < 17; i += 1) await create({ title: `Walk ${i} ${tag}`, tags: [tag] });
    await ensureIndex();
    let response = await expectListMatchesDatabase({ limit: "4" });
    const pages = [response.json().items.map((t: { id: string }) => t.id)];
    for (let i = 0; i < 3; i += 1) {
      const cursor = response.json().nextCursor;
      response = await list({ limit: "4", cursor });
      expect(response.json().items).toEqual((await fromDatabase({ limit: "4", cursor })).items);
      pages.push(response.json().items.map((t: { id: string }) => t.id));
    }
    const back = await list({ limit: "4", cursor: response.json().prevCursor });
    expect(back.json().items.map((t: { id: string }) => t.id)).toEqual(pages[2]);
  });
});

describe("expiry", () => {
  it("when a task's expires_at passes, then it drops out of get, lists, totals and stats at that instant", async () => {
    await ensureIndex();
    const tag = uniqueMarker("exp");
    const expiresAt = new Date(Date.now() + 1_500);
    const task = (
      await create({ title: `Expiring ${tag}`, tags: [tag], expiresAt: expiresAt.toISOString() })
    ).json();
    // Warm everything while it is alive.
    expect((await get(task.id)).headers["X-Cache"]).toBe("hit");
    expect((await list({ tag })).json().items).toHaveLength(1);
    await list({ tag });
    expect((await list({ tag })).headers["X-Cache"]).toBe("hit");
    const aliveTotal = (await list()).json().total.value;
    const aliveStats = (await stats()).json().total;
    expect(await indexSnapshot()).toContain(task.id);

    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 2));
    expect((await get(task.id)).statusCode).toBe(404);
    expect((await list({ tag })).json().items).toEqual([]);
    expect((await list()).json().total.value).toBe(aliveTotal - 1);
    expect((await stats()).json().total).toBe(aliveStats - 1);
    expect(await indexSnapshot()).not.toContain(task.id);
    await expectListMatchesDatabase();
  });
});

describe("seeding", () => {
  it("when rows are bulk-loaded behind the cache's back and caches invalidated, then reads see them at once", async () => {
    await ensureIndex();
    const tag = uniqueMarker("seed");
    expect((await list({ tag })).json().total.value).toBe(0);
    await expectListMatchesDatabase();
    await insertTasksSql(700, tag, 5);
    await invalidateCaches();
    expect((await list({ tag })).json().total).toEqual({ value: 700, exact: true });
    await expectListMatchesDatabase();
    await expectListMatchesDatabase({ offset: "650", limit: "20" });
    const health = await waitFor(async () => {
      const state = await cacheHealth();
      return state.index?.ready ? state : undefined;
    });
    expect(health.index?.size).toBe((await liveIdsByCreatedDesc()).length);
    await expectListMatchesDatabase({ offset: "650", limit: "20" });
    expect((await list({ offset: "650", limit: "20" })).headers["X-Cache"]).not.toBe("bypass");
    await query("delete from tasks where $1 = any(tags)", [tag]);
    await invalidateCaches({ rebuild: true });
  });
});

// The cache's key spaces are named after the database (issue 11, finding 4); a replacing seed
// rotates that name, so no process, whatever it last read, serves an entry cached before the seed.
// (Two databases behind one Redis: contract/cache-two-databases.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTaskInput } from "#contract/schemas";
import { getTasks } from "../../src/cache/entries";
import { closeCache } from "../../src/cache/health";
import { epochKey, RETIRED } from "../../src/cache/keys";
import { cacheClient, cacheState, currentSpace, usableClient } from "../../src/cache/state";
import { handler as seed } from "../../src/handlers/seed";
import { readDatabaseIdentity } from "../../src/platform/database-identity";
import { closePool } from "../../src/platform/db";
import { createTask, readTask } from "../../src/tasks/service";
import { factoryAudit } from "../support/factories";

afterAll(async () => {
  await closeCache();
  await closePool();
});

const redis = () => {
  const client = cacheClient();
  if (!client) throw new Error("REDIS_URL is not set");
  return client;
};

beforeAll(async () => {
  // The first use connects; scripts here talk to the client directly.
  expect(await usableClient()).toBeDefined();
});

describe("the cache's database identity", () => {
  it("when read twice, then it is the same, and it names the key space in use", async () => {
    const first = await readDatabaseIdentity();
    expect(first.current).toMatch(/^[\w-]{12}$/);
    expect((await readDatabaseIdentity()).current).toBe(first.current);
    expect((await currentSpace(redis())).db).toBe(first.current);
  });

  it("when a replacing seed runs, then the identity rotates, the old key space is retired, and a process still holding it reads nothing cached before", async () => {
    const task = await createTask(CreateTaskInput.parse({ title: "before the seed" }), factoryAudit);
    await readTask(task.id);
    const staleSpace = await currentSpace(redis());
    const staleIdentity = await readDatabaseIdentity();
    expect((await getTasks([task.id]))?.entries[0]).toMatchObject({ id: task.id, version: 1 });

    await seed({ count: 50, truncate: true, seed: 3 });

    const rotated = await readDatabaseIdentity();
    expect(rotated.current).not.toBe(staleIdentity.current);
    expect(rotated.previous).toBe(staleIdentity.current);
    expect(await redis().get(epochKey(staleIdentity.current))).toBe(RETIRED);

    // Another process that read the identity before the seed and has not looked since.
    cacheState.space = staleSpace;
    cacheState.identity = Promise.resolve(staleIdentity);
    const read = await getTasks([task.id]);
    expect(read?.space.db).toBe(rotated.current);
    expect(read?.entries[0]).toBeUndefined();
    // The seeded table numbers from 1 again: that id is now another task, or none.
    const now = await readTask(task.id).then(
      (record) => JSON.parse(record.json).title,
      (error: Error) => error.name,
    );
    expect(now).not.toBe("before the seed");
  });

  it("when the database carries an identity whose key space was retired (a backup from before a rotation), then the cache starts a fresh epoch under it", async () => {
    const space = await currentSpace(redis());
    await redis().set(epochKey(space.db), RETIRED);
    cacheState.space = undefined;
    const fresh = await currentSpace(redis());
    expect(fresh.db).toBe(space.db);
    expect(fresh.epoch).not.toBe(space.epoch);
    expect(fresh.epoch).not.toBe(RETIRED);
    expect(await redis().get(epochKey(space.db))).toBe(fresh.epoch);
  });
});

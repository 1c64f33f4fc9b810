// Bulk jobs against the real PostgreSQL and Redis: the routes record and queue a job, the worker
// (graphile-worker's runOnce, as the jobWorker function runs it) applies it in keyset chunks. Chunks
// are JOB_CHUNK_SIZE=100 here (vitest.config.ts), so a few hundred tasks take several chunks.
import { describe, expect, it } from "vitest";
import { handler as bulkTasks } from "../../src/handlers/bulk-tasks";
import { handler as cancelJob } from "../../src/handlers/cancel-job";
import { handler as getJob } from "../../src/handlers/get-job";
import { handler as updateTask } from "../../src/handlers/update-task";
import { drainQueue } from "../../src/jobs/queue";
import { runJob } from "../../src/jobs/run-job";
import { query } from "../../src/platform/db";
import { type EventInput, invoke } from "../support/events";
import { uniqueMarker } from "../support/factories";
import { authHeaders } from "../support/tokens";

/** Tasks tagged `tag`, straight in SQL, with ordinary timestamps (now). */
async function tasksTagged(tag: string, count: number): Promise<string[]> {
  const result = await query<{ id: string }>(
    `insert into tasks (title, status, priority, tags)
     select 'Bulk ' || g, 'todo', 1, array[$2::text] from generate_series(1, $1) g returning id::text`,
    [count, tag],
  );
  return result.rows.map((row) => row.id);
}

const versions = async (tag: string) =>
  (
    await query<{ id: string; status: string; version: number; priority: number; tags: string[] }>(
      "select id::text, status, version, priority, tags from tasks where $1 = any(tags) order by id",
      [tag],
    )
  ).rows;

const call = (handler: Parameters<typeof invoke>[0], input: EventInput) => invoke(handler, input);

async function startBulk(body: unknown, role: "editor" | "admin" | "viewer" = "editor") {
  return call(bulkTasks, { method: "POST", path: "/tasks/bulk", headers: authHeaders(role), body });
}

async function jobOf(id: string, role: "editor" | "admin" | "viewer" = "editor") {
  const response = await call(getJob, {
    path: `/jobs/${id}`,
    pathParameters: { id },
    headers: authHeaders(role),
  });
  expect(response.statusCode).toBe(200);
  return response.json().job as {
    state: string;
    total: number;
    done: number;
    skipped: number;
    error: string | null;
    attempts: number;
  };
}

const drain = () => drainQueue(runJob);

/** Starts a job setting every task of `tag` to done, and cancels it once `atLeast` are done. */
async function cancelPartway(tag: string, atLeast: number) {
  const started = await startBulk({ selection: { filter: { tag } }, action: { set: { status: "done" } } });
  const id = (started.json() as { job: { id: string } }).job.id;
  const draining = drain();
  for (let i = 0; i < 2_000 && (await jobOf(id)).done < atLeast; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await call(cancelJob, {
    method: "DELETE",
    path: `/jobs/${id}`,
    pathParameters: { id },
    headers: authHeaders("editor"),
  });
  await draining;
  return jobOf(id);
}

/** Makes every UPDATE of the task with this id fail (a real database error, not a mock). */
async function poison(id: string): Promise<() => Promise<void>> {
  const name = `poison_${id}`;
  await query(`create or replace function ${name}() returns trigger language plpgsql as $$
    begin raise exception 'poisoned task %', new.id; end $$`);
  await query(
    `create trigger ${name} before update on tasks for each row when (new.id = ${Number(id)}) execute function ${name}()`,
  );
  return async () => {
    await query(`drop trigger if exists ${name} on tasks`);
    await query(`drop function if exists ${name}()`);
  };
}

describe("bulk jobs", () => {
  it("when an editor sets a field on every task of a filter, then each changes exactly once in chunks, and one audit summary records it", async () => {
    const tag = uniqueMarker("bulk");
    await tasksTagged(tag, 250);
    const other = uniqueMarker("other");
    await tasksTagged(other, 5);
    const started = await startBulk({
      selection: { filter: { tag } },
      action: { set: { status: "done", priority: "urgent" }, addTags: ["reviewed"] },
    });
    expect(started.statusCode).toBe(202);
    const { job } = started.json() as { job: { id: string; state: string; total: number; done: number } };
    expect(job).toMatchObject({ state: "queued", total: 250, done: 0 });

    await drain();

    expect(await jobOf(job.id)).toMatchObject({
      state: "completed",
      total: 250,
      done: 250,
      skipped: 0,
      attempts: 1,
    });
    const rows = await versions(tag);
    expect(rows).toHaveLength(250);
    for (const row of rows) {
      expect(row).toMatchObject({ status: "done", version: 2, priority: 3 });
      expect(row.tags).toEqual([tag, "reviewed"]);
    }
    expect((await versions(other)).every((row) => row.status === "todo" && row.version === 1)).toBe(true);
    // JOB_LANES x JOB_STRIPES contiguous id ranges (2 x 16 here), each holding 250/32 of the selection.
    const ranges = await query<{ until: string[] }>(
      "select lane_until::text[] as until from jobs where id = $1::uuid",
      [job.id],
    );
    const until = (ranges.rows[0]?.until ?? []).map(BigInt);
    expect(until).toHaveLength(32);
    const sizes = until.map(
      (end, k) =>
        rows.filter((row) => BigInt(row.id) <= end && (k === 0 || BigInt(row.id) > (until[k - 1] ?? 0n)))
          .length,
    );
    for (const size of sizes) expect([7, 8]).toContain(size);
    const audit = await query<{ action: string; actor_id: string; changes: { state: string; done: number } }>(
      "select action, actor_id, changes from audit_log where changes ->> 'jobId' = $1",
      [job.id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({
      action: "tasks.bulk",
      actor_id: "test-editor",
      changes: { state: "completed", done: 250 },
    });
  });

  it("when a selection lists ids and exceptions, then exactly those tasks change; with delete, they are gone", async () => {
    const tag = uniqueMarker("ids");
    const ids = await tasksTagged(tag, 10);
    const started = await startBulk({
      selection: { filter: { tag }, except: [ids[0], ids[1]] },
      action: { delete: true },
    });
    expect(started.statusCode).toBe(202);
    await drain();
    expect((await versions(tag)).map((row) => row.id)).toEqual([ids[0], ids[1]]);
    const picked = await startBulk({
      selection: { filter: {}, ids: [ids[0]] },
      action: { removeTags: [tag] },
    });
    await drain();
    expect(await jobOf((picked.json() as { job: { id: string } }).job.id)).toMatchObject({
      state: "completed",
      done: 1,
    });
    expect((await versions(tag)).map((row) => row.id)).toEqual([ids[1]]);
  });

  it("when a person edits a task after the job was requested, then the job leaves the person's edit and counts it skipped", async () => {
    const tag = uniqueMarker("race");
    const ids = await tasksTagged(tag, 150);
    const started = await startBulk({
      selection: { filter: { tag } },
      action: { set: { status: "blocked" } },
    });
    const jobId = (started.json() as { job: { id: string } }).job.id;
    const edited = ids[120] as string;
    const patch = await call(updateTask, {
      method: "PATCH",
      path: `/tasks/${edited}`,
      pathParameters: { id: edited },
      headers: authHeaders("editor"),
      body: { status: "in_progress" },
    });
    expect(patch.statusCode).toBe(200);

    await drain();

    expect(await jobOf(jobId)).toMatchObject({ state: "completed", done: 150, skipped: 1 });
    const rows = await versions(tag);
    expect(rows.find((row) => row.id === edited)).toMatchObject({ status: "in_progress", version: 2 });
    expect(rows.filter((row) => row.status === "blocked")).toHaveLength(149);
  });

  it("when a chunk fails halfway, then the committed chunks stay, the job waits for a retry, and the retry goes on without repeating a chunk", async () => {
    const tag = uniqueMarker("fail");
    const ids = await tasksTagged(tag, 300);
    const heal = await poison(ids[250] as string);
    try {
      const started = await startBulk({
        selection: { filter: { tag } },
        action: { set: { assignee: "ada" } },
      });
      const jobId = (started.json() as { job: { id: string } }).job.id;
      await drain();
      const failedOnce = await jobOf(jobId);
      expect(failedOnce).toMatchObject({ state: "queued", attempts: 1 });
      expect(failedOnce.error).toMatch(/poisoned task/);
      // The poisoned task's lane committed the chunk before it; the other lane stopped after its
      // chunk in flight. Whatever committed is counted, and nothing else changed.
      const changed = (await versions(tag)).filter((row) => row.version === 2);
      expect(failedOnce.done).toBe(changed.length);
      expect(changed.length).toBeGreaterThanOrEqual(200);
      expect(changed.map((row) => row.id)).not.toContain(ids[250]);

      await heal();
      // graphile-worker retries after e^1 s.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await drain();

      expect(await jobOf(jobId)).toMatchObject({ state: "completed", done: 300, attempts: 2, error: null });
      expect((await versions(tag)).every((row) => row.version === 2)).toBe(true);
    } finally {
      await heal();
    }
  });

  it("when the worker running a job died, then the next drain runs it again at once; a live worker's job is left alone", async () => {
    const tag = uniqueMarker("orphan");
    await tasksTagged(tag, 250);
    const start = async () =>
      (
        (await startBulk({ selection: { filter: { tag } }, action: { addTags: ["rescued"] } })).json() as {
          job: { id: string };
        }
      ).job.id;
    // What a worker invocation leaves when it is killed mid-job (Lambda's timeout, out of memory):
    // the queue entry locked by it, the job recorded as running. graphile-worker alone frees such a
    // lock after 4 hours.
    const lockedBy = async (jobId: string, worker: string, lockedAgo: string) => {
      await query(
        `update graphile_worker._private_jobs set locked_by = $2, locked_at = now() - $3::interval,
           attempts = attempts + 1 where key = $1`,
        [jobId, worker, lockedAgo],
      );
      await query("update jobs set state = 'running', attempts = attempts + 1 where id = $1::uuid", [jobId]);
    };
    const orphaned = await start();
    await lockedBy(orphaned, `dead-${tag}`, "2 hours");
    const working = await start();
    await lockedBy(working, `alive-${tag}`, "1 minute");

    await drain();

    expect(await jobOf(orphaned)).toMatchObject({ state: "completed", done: 250, attempts: 2 });
    expect((await versions(tag)).every((row) => row.tags.includes("rescued") && row.version === 2)).toBe(
      true,
    );
    expect(await jobOf(working)).toMatchObject({ state: "running", done: 0 });
    // The live worker's turn: it lets go, and its job runs (nothing stays locked for other tests).
    await query(
      "update graphile_worker._private_jobs set locked_by = null, locked_at = null where key = $1",
      [working],
    );
    await drain();
    expect(await jobOf(working)).toMatchObject({ state: "completed", done: 250 });
  });

  it("when every attempt fails, then the job is failed with its error, and its audit summary says how far it got", async () => {
    const tag = uniqueMarker("dead");
    const ids = await tasksTagged(tag, 150);
    const heal = await poison(ids[0] as string);
    try {
      const started = await startBulk({
        selection: { filter: { tag } },
        action: { set: { status: "done" } },
      });
      const jobId = (started.json() as { job: { id: string } }).job.id;
      await drain();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await drain();
      const job = await jobOf(jobId);
      expect(job).toMatchObject({ state: "failed", attempts: 2 });
      expect(job.error).toMatch(/poisoned task/);
      // The poisoned task's lane never got past it; the other lane's committed chunks stay, and
      // `done` counts exactly the tasks that changed.
      const rows = await versions(tag);
      expect(rows.find((row) => row.id === ids[0])?.version).toBe(1);
      expect(job.done).toBe(rows.filter((row) => row.version > 1).length);
      expect(job.done).toBeLessThan(150);
      const audit = await query(
        "select changes ->> 'state' as state from audit_log where changes ->> 'jobId' = $1",
        [jobId],
      );
      expect(audit.rows).toEqual([{ state: "failed" }]);
    } finally {
      await heal();
    }
  });

  it("when a queued job is cancelled, then it never runs; when a running one is, then it stops after the chunk in flight", async () => {
    const tag = uniqueMarker("cancel");
    await tasksTagged(tag, 200);
    const queued = await startBulk({ selection: { filter: { tag } }, action: { set: { status: "done" } } });
    const queuedId = (queued.json() as { job: { id: string } }).job.id;
    const cancelled = await call(cancelJob, {
      method: "DELETE",
      path: `/jobs/${queuedId}`,
      pathParameters: { id: queuedId },
      headers: authHeaders("editor"),
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ job: { state: "cancelled", done: 0 } });
    await drain();
    expect((await versions(tag)).every((row) => row.version === 1)).toBe(true);

    const many = uniqueMarker("stop");
    await tasksTagged(many, 3_000);
    const job = await cancelPartway(many, 200);
    expect(job.state).toBe("cancelled");
    expect(job.done).toBeGreaterThanOrEqual(200);
    expect(job.done).toBeLessThan(3_000);
    const rows = await versions(many);
    expect(rows.filter((row) => row.version === 2)).toHaveLength(job.done);
    expect(rows.every((row) => row.version <= 2)).toBe(true);
  });

  it("when a job is stopped partway, then what it changed is spread over its whole selection, not bunched at the oldest tasks", async () => {
    const tag = uniqueMarker("spread");
    const ids = await tasksTagged(tag, 3_200);
    const { done } = await cancelPartway(tag, 100);
    expect(done).toBeLessThan(3_200);
    // Every chunk takes an equal share from each of the job's 32 ranges, so each sixteenth of the
    // selection (in id order, which is creation order) holds about a sixteenth of the changes. A
    // walk from the first id would have changed only the oldest tasks of each lane.
    const changed = new Set((await versions(tag)).filter((row) => row.version === 2).map((row) => row.id));
    expect(changed.size).toBe(done);
    for (let part = 0; part < 16; part += 1) {
      const slice = ids.slice(part * 200, (part + 1) * 200);
      const share = slice.filter((id) => changed.has(id)).length;
      expect(share, `sixteenth ${part + 1}`).toBeGreaterThanOrEqual(Math.floor(done / 16) - 8);
      expect(share, `sixteenth ${part + 1}`).toBeLessThanOrEqual(Math.ceil(done / 16) + 8);
    }
  });

  it("when someone else asks for a job, then it is refused (403); an admin may see it; a viewer may not start bulk edits", async () => {
    const tag = uniqueMarker("own");
    await tasksTagged(tag, 1);
    const started = await startBulk({ selection: { filter: { tag } }, action: { set: { status: "done" } } });
    const id = (started.json() as { job: { id: string } }).job.id;
    const other = await call(getJob, {
      path: `/jobs/${id}`,
      pathParameters: { id },
      headers: authHeaders("viewer"),
    });
    expect(other.statusCode).toBe(403);
    expect((await jobOf(id, "admin")).state).toMatch(/queued|completed/);
    expect(
      (await startBulk({ selection: { filter: { tag } }, action: { delete: true } }, "viewer")).statusCode,
    ).toBe(403);
    await drain();
  });

  it("when the request is not a valid bulk action, then it is a 422 naming the field and no job is recorded", async () => {
    const before = await query<{ n: string }>("select count(*)::text as n from jobs");
    for (const body of [
      { selection: { filter: {} }, action: {} },
      { selection: { filter: {} }, action: { delete: true, set: { status: "done" } } },
      { selection: { filter: { status: "nope" } }, action: { set: { status: "done" } } },
      { selection: { filter: {}, ids: ["0"] }, action: { set: { status: "done" } } },
      { selection: { filter: {} }, action: { set: {} } },
      { selection: { filter: {} }, action: { addTags: ["x".repeat(41)] } },
    ]) {
      const response = await startBulk(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
    }
    const after = await query<{ n: string }>("select count(*)::text as n from jobs");
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });
});

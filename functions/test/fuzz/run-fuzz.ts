// The fuzz suite's properties, run against a real stack over HTTP: no response is a 5xx or takes
// 2 s or more, a refused request changes nothing in the database, and afterwards the API (through
// its cache) and PostgreSQL agree on every task the run touched and on the first page.
import fc from "fast-check";
import pg from "pg";
import { TASK_JSON } from "../../src/tasks/query";
import { api } from "../support/api";
import { type FuzzRequest, fuzzRequest } from "./requests";

export interface FuzzOptions {
  baseUrl: string;
  databaseUrl: string;
  runs: number;
  seed: number;
  /** The promise every response keeps, bad input included. */
  maxMs?: number;
  onProgress?: (done: number) => void;
}

export interface FuzzReport {
  runs: number;
  seed: number;
  statuses: Record<string, number>;
  slowestMs: number;
  checkedTasks: number;
}

// Rows that expire soon are left out: the scheduled maintain function purges expired tasks (and
// the fuzz creates some already expired), which is not a change made by the request under test.
const FINGERPRINT = `select count(*)::text as n, coalesce(sum(version), 0)::text as v, max(updated_at)::text as u,
  (select count(*) from idempotency_keys)::text as keys, (select count(*) from jobs)::text as jobs,
  (select count(*) || '/' || coalesce(sum(version), 0) from saved_views) as views
  from tasks where expires_at is null or expires_at > now() + interval '1 hour'`;

async function fingerprint(db: pg.Client): Promise<string> {
  return JSON.stringify((await db.query(FINGERPRINT)).rows[0]);
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const maxMs = options.maxMs ?? 2_000;
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  const statuses: Record<string, number> = {};
  let slowestMs = 0;
  let done = 0;
  const touched = new Set<string>();
  try {
    const seeded: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const response = await api(options.baseUrl, "/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: `fuzz ${options.seed} ${i}`, tags: ["fuzz"] }),
      });
      const task = (await response.json()) as { id: string };
      seeded.push(task.id);
      touched.add(task.id);
    }
    const attempt = async (request: FuzzRequest) => {
      const started = performance.now();
      const response = await api(options.baseUrl, request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      return { response, text, ms: performance.now() - started };
    };
    const send = async (request: FuzzRequest) => {
      const before = await fingerprint(db);
      let { response, text, ms } = await attempt(request);
      // This box is shared (2 cores, other stacks and suites): a 503 or a slow answer is retried once
      // after a pause, if it changed nothing, so only a failure that repeats counts.
      if ((response.status === 503 || ms >= maxMs) && (await fingerprint(db)) === before) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        ({ response, text, ms } = await attempt(request));
      }
      slowestMs = Math.max(slowestMs, ms);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      done += 1;
      if (done % 500 === 0) options.onProgress?.(done);
      const what = `${request.method} ${request.path} -> ${response.status} in ${Math.round(ms)} ms: ${text.slice(0, 300)}`;
      if (response.status >= 500) throw new Error(`5xx: ${what}`);
      if (ms >= maxMs) throw new Error(`slow: ${what}`);
      if (text.length > 0 && /"stack"|\/work\/|node_modules|at \S+ \(/.test(text))
        throw new Error(`leak: ${what}`);
      if (response.status >= 400 || !request.writes) {
        const after = await fingerprint(db);
        if (after !== before)
          throw new Error(`changed by a ${response.status}: ${what}\n${before}\n${after}`);
      }
      if (response.status === 201 || response.status === 200) {
        const id =
          /^\/tasks\/(\d+)$/.exec(request.path)?.[1] ??
          (request.method === "POST" ? (JSON.parse(text) as { id?: string }).id : undefined);
        if (id && touched.size < 500) touched.add(id);
      }
    };
    await fc.assert(fc.asyncProperty(fuzzRequest(seeded), send), {
      numRuns: options.runs,
      seed: options.seed,
      // A failure found late must not spend minutes shrinking against a live stack.
      interruptAfterTimeLimit: undefined,
      endOnFailure: false,
      verbose: 1,
    });
    await expectAgreement(options.baseUrl, db, [...touched]);
    return {
      runs: options.runs,
      seed: options.seed,
      statuses,
      slowestMs: Math.round(slowestMs),
      checkedTasks: touched.size,
    };
  } finally {
    await db.end().catch(() => {});
  }
}

/** Each touched task read through the API (cache first) equals PostgreSQL's row, or both say gone. */
async function expectAgreement(baseUrl: string, db: pg.Client, ids: string[]): Promise<void> {
  const rows = await db.query<{ id: string; json: string }>(
    `select t.id::text as id, ${TASK_JSON} as json from tasks t
     where t.id = any($1::int8[]) and (t.expires_at is null or t.expires_at > now() + interval '2 seconds')`,
    [ids],
  );
  const expired = await db.query<{ id: string }>(
    `select id::text as id from tasks where id = any($1::int8[]) and expires_at <= now() + interval '2 seconds'`,
    [ids],
  );
  const stored = new Map(rows.rows.map((row) => [row.id, JSON.parse(row.json)]));
  const skip = new Set(expired.rows.map((row) => row.id));
  for (const id of ids) {
    if (skip.has(id)) continue;
    for (let pass = 0; pass < 2; pass += 1) {
      const response = await api(baseUrl, `/tasks/${id}`);
      const body = await response.text();
      const expected = stored.get(id);
      if (expected === undefined) {
        if (response.status !== 404)
          throw new Error(
            `task ${id} is gone from PostgreSQL but the API answered ${response.status} ${body}`,
          );
      } else if (response.status !== 200 || JSON.stringify(JSON.parse(body)) !== JSON.stringify(expected)) {
        throw new Error(
          `task ${id}: API (${response.headers.get("x-cache")}) ${body} != PostgreSQL ${JSON.stringify(expected)}`,
        );
      }
    }
  }
  const page = (await (await api(baseUrl, "/tasks?limit=50")).json()) as { items: { id: string }[] };
  const first = await db.query<{ id: string }>(
    `select id::text as id from tasks where expires_at is null or expires_at > now()
     order by created_at desc, id desc limit 50`,
  );
  const listed = page.items.map((item) => item.id).join(",");
  const truth = first.rows.map((row) => row.id).join(",");
  if (listed !== truth) throw new Error(`first page differs: API ${listed} != PostgreSQL ${truth}`);
}

// npm run bench:jobs [-- --filter '{"status":"todo","priority":"low,medium"}' --reads 10 --jobs 1 --connections 4 --rate 100 --no-export]
// Against the stack answering on API_PORT (default 3000): how fast a bulk job goes through its
// selection, and what it does to other users' reads meanwhile, then how fast an export of every
// task is. Reads are the benchmark's "filter + sort" scenario (uncached pages), measured idle for
// --reads seconds and again while the job runs; the ratio of the two p99s is the figure to quote
// on a shared machine (both measured in the same minute). --jobs N runs N jobs one after another
// over the same selection with the reads going on throughout (more samples for the p99). The
// default action sets the assignee and swaps a tag (adds bulk-a and removes bulk-b, then the other
// way), so repeated runs write every task and never reach the tag limit. Prints a markdown table.
// The reads far exceed one actor's rate limit: start the stack with RATE_LIMITS=off.
import { parseArgs } from "node:util";
import autocannon, { type Instance, type Result } from "autocannon";
import { autocannonRequest, benchAuthHeaders, scenarios } from "./lib/bench-scenarios";

const { values: flags } = parseArgs({
  options: {
    filter: { type: "string", default: '{"status":"todo,in_progress","priority":"low,medium"}' },
    action: { type: "string", default: "" },
    reads: { type: "string", default: "10" },
    jobs: { type: "string", default: "1" },
    connections: { type: "string", default: "4" },
    // Other users' reads arrive at a rate (requests/s over all connections), as people's do; 0 sends
    // them back to back, which saturates both cores and measures the job's share of the machine.
    rate: { type: "string", default: "100" },
    "no-export": { type: "boolean", default: false },
    // Other users' reads go to a second stack on this port (same database and Redis) instead, so
    // they do not share the job worker's process, as on Lambda where the worker runs apart.
    "read-port": { type: "string", default: "" },
    "export-format": { type: "string", default: "csv" },
  },
});

const api = `http://127.0.0.1:${process.env.API_PORT ?? 3000}`;
const readsApi = flags["read-port"] ? `http://127.0.0.1:${flags["read-port"]}` : api;
const headers = { ...benchAuthHeaders(), "content-type": "application/json" };
const reads = scenarios({ count: 1_000_000, deepCursors: ["unused"], deepKeys: [] }).find(
  (s) => s.name === "filter + sort",
);
if (!reads) throw new Error("the bench has a filter + sort scenario");
const connections = Number(flags.connections);
const rate = Number(flags.rate);

interface JobAnswer {
  job: { id: string; state: string; total: number; done: number; skipped: number; error: string | null };
}

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${api}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  if (response.status !== 202) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as JobAnswer;
};

async function until(id: string): Promise<JobAnswer["job"]> {
  for (;;) {
    const response = await fetch(`${api}/jobs/${id}`, { headers });
    if (response.status === 429)
      throw new Error("rate limited: run the stack with RATE_LIMITS=off to benchmark");
    const answer = (await response.json()) as JobAnswer;
    if (["completed", "failed", "cancelled"].includes(answer.job.state)) return answer.job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads for `seconds`, or until `stop` resolves. */
function readLoad(seconds: number, stop?: Promise<unknown>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance: Instance = autocannon(
      {
        url: readsApi,
        connections,
        duration: seconds,
        requests: [autocannonRequest(reads as NonNullable<typeof reads>)],
        ...(rate > 0 ? { overallRate: rate } : {}),
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    void stop?.then(() => instance.stop());
  });
}

const ms = (n: number) => `${Math.round(n)} ms`;

async function main(): Promise<void> {
  const filter = JSON.parse(flags.filter) as Record<string, string>;
  const actionOf = (run: number) =>
    flags.action
      ? JSON.parse(flags.action)
      : run % 2 === 0
        ? { set: { assignee: "bench-a" }, addTags: ["bulk-a"], removeTags: ["bulk-b"] }
        : { set: { assignee: "bench-b" }, addTags: ["bulk-b"], removeTags: ["bulk-a"] };
  // The first requests load the functions and open their pools: not what a job does to readers.
  process.stderr.write("warm-up reads for 3 s...\n");
  await readLoad(3);
  process.stderr.write(`reads idle for ${flags.reads} s...\n`);
  const idle = await readLoad(Number(flags.reads));

  const runs = Math.max(1, Number(flags.jobs));
  process.stderr.write(`${runs} bulk job(s) over ${JSON.stringify(filter)}...\n`);
  const bulks: Array<{ job: JobAnswer["job"]; ms: number }> = [];
  const allJobs = (async () => {
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const { job } = await post("/tasks/bulk", { selection: { filter }, action: actionOf(run) });
      bulks.push({ job: await until(job.id), ms: performance.now() - started });
    }
  })();
  const during = await readLoad(3_600, allJobs);
  await allJobs;
  const done = bulks.reduce((sum, run) => sum + run.job.done, 0);
  const skipped = bulks.reduce((sum, run) => sum + run.job.skipped, 0);
  const bulkMs = bulks.reduce((sum, run) => sum + run.ms, 0);
  const states = [...new Set(bulks.map((run) => run.job.state))].join(", ");
  const percentiles = (result: Result) =>
    `${ms(result.latency.p50)}, ${ms(result.latency.p90)}, ${ms(result.latency.p99)}`;

  const rows = [
    "| measure | value |",
    "| --- | --- |",
    `| bulk jobs: tasks (done / skipped) | ${done.toLocaleString("en-US")} / ${skipped} in ${runs} job(s) (${states}) |`,
    `| bulk job: POST to completed, each | ${bulks.map((run) => `${(run.ms / 1000).toFixed(1)} s`).join(", ")} (${Math.round(done / (bulkMs / 1000)).toLocaleString("en-US")} tasks/s) |`,
    `| reads idle (${connections} connections, ${rate > 0 ? `${rate} req/s offered` : "back to back"}): req/s; p50, p90, p99 | ${Math.round(idle.requests.average)}; ${percentiles(idle)} |`,
    `| reads during the jobs: req/s; p50, p90, p99 | ${Math.round(during.requests.average)}; ${percentiles(during)} |`,
    `| p99 during / idle | ${(during.latency.p99 / Math.max(1, idle.latency.p99)).toFixed(2)} |`,
  ];
  if (!flags["no-export"]) {
    process.stderr.write("export of every task...\n");
    const exportStarted = performance.now();
    const exported = await post("/tasks/export", { filter: {}, format: flags["export-format"] });
    const done = await until(exported.job.id);
    const exportMs = performance.now() - exportStarted;
    rows.push(
      `| export (${flags["export-format"]}, no filter): rows, POST to completed | ${done.done.toLocaleString("en-US")}, ${(exportMs / 1000).toFixed(1)} s (${done.state}) |`,
    );
  }
  process.stdout.write(`${rows.join("\n")}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

// npm run bench: the scenarios of bench-scenarios.ts with autocannon against serverless-offline,
// one markdown table per runtime mode, JSON under bench-results/. Ratios are against /ping in the
// same run, so a busy machine shifts every row alike.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import autocannon, { type Result } from "autocannon";
import pg from "pg";
import { config } from "../../functions/src/platform/config";
import { MIGRATIONS_DIR, migrate } from "../../functions/src/platform/migrations";
import { type Stack, startStack } from "../../functions/test/support/stack";
import {
  autocannonRequest,
  benchAuthHeaders,
  loadScenarioData,
  type Scenario,
  scenarios,
} from "./bench-scenarios";
import { busiestProfile, profileTables, summarizeProfile } from "./cpu-profile";
import { invokeMaintain } from "./maintain";
import { SeedClient } from "./seed-client";

export type Mode = "inprocess" | "worker";

export interface BenchOptions {
  count: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** Modes to start a stack for; empty: use the stack answering at apiUrl, or start inprocess. */
  modes: Mode[];
  apiPort: number;
  lambdaPort: number;
  /** For stacks the bench starts; a running stack keeps its own. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  outDir: string;
  only?: RegExp;
  reseed: boolean;
  /** After each mode's run, the same stack with REDIS_URL at a dead port: the REDIS_DOWN scenarios again. */
  redisDown: boolean;
  /** Scenarios that never read the position index (gets, writes) need not wait for its build. */
  skipIndexWait?: boolean;
  /** More settings for the stacks the bench starts (a topology's DATABASE_READ_URL, say). */
  stackEnv?: Record<string, string>;
  /** Measure the paired scenarios against the floor server (scripts/bench-floor.ts) too. */
  floor?: boolean;
  /** Run the stacks this bench starts under `node --cpu-prof` and print their heaviest frames. */
  profile?: boolean;
}

/** Scenarios measured again with Redis unreachable, next to their Redis-up row. */
export const REDIS_DOWN_SCENARIOS = [
  "first page, cold",
  "filter + sort",
  "get by random id",
  "create",
  "update",
];
/** With Redis down a request costs what it costs with Redis up minus the cache work: p99 within this. */
const REDIS_DOWN_P99_SLACK_MS = 5;

export interface Row {
  scenario: string;
  what: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  /** Responses by HTTP status, to tell what the errors were. */
  statusCodes: Record<string, number>;
  ratio: number | null;
  /** The floor server (plain node:http + pg) on the same request, measured right after ours. */
  floor?: { reqPerSec: number; p50: number; p99: number; errors: number } | null;
  target: string;
  met: boolean | null;
  why: string;
}

export interface ModeResult {
  mode: Mode | "running";
  startedAt: string;
  machine: { cpus: number; loadavgBefore: number[]; loadavgAfter: number[]; node: string };
  count: number;
  durationSec: number;
  connections: number;
  rows: Row[];
  /** The cache's counters over the measured scenarios (summed over processes, from /health). */
  cache?: Record<string, number>;
}

const log = (message: string) => process.stderr.write(`${message}\n`);

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

function run(
  url: string,
  scenario: Scenario,
  seconds: number,
  connections: number,
  target: "ours" | "floor" = "ours",
): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration: seconds, requests: [autocannonRequest(scenario, target)], timeout: 10 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function ensureTasks(apiUrl: string, lambdaUrl: string, count: number, reseed: boolean): Promise<void> {
  const stats = (await (await fetch(`${apiUrl}/tasks/stats`, { headers: benchAuthHeaders() })).json()) as {
    total?: number;
  };
  const total = stats.total ?? -1;
  // The write scenarios add and remove a few thousand rows; within 1% the data is still the seed's.
  if (!reseed && Math.abs(total - count) <= count * 0.01) {
    log(`${total.toLocaleString("en-US")} tasks present; not reseeding (--reseed to force)`);
    return;
  }
  log(`${total.toLocaleString("en-US")} tasks present; seeding ${count.toLocaleString("en-US")}`);
  const client = new SeedClient({ endpoint: lambdaUrl, functionName: "million-tasks-dev-seed" });
  try {
    const summary = await client.seed({ count, truncate: true, seed: 1 });
    log(`seeded in ${(summary.totalMs / 1000).toFixed(1)} s`);
  } finally {
    client.destroy();
  }
}

/** A background build of the cache's position index (after a seed) would compete for the cores. */
/** When the first measured scenario of this run began (the profile counts from there). */
let measuredSince: number | undefined;

/** The cache's counters summed over every process (hits, misses, fills...), from /health. */
async function cacheCounters(apiUrl: string): Promise<Record<string, number>> {
  const health = (await (await fetch(`${apiUrl}/health`, { headers: benchAuthHeaders() })).json()) as {
    cache?: { stats?: { total?: Record<string, number> } };
  };
  return health.cache?.stats?.total ?? {};
}

/** Counters move at most once a second (cache/stats.ts): wait for the last ones, then subtract. */
async function countersSince(
  apiUrl: string,
  before: Record<string, number>,
): Promise<Record<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const after = await cacheCounters(apiUrl);
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
}

async function untilIndexReady(apiUrl: string, count: number): Promise<void> {
  // ~100k ids a second on a quiet box; a busy one, or 10,000,000 tasks, needs far longer than 5 min.
  const deadline = Date.now() + 300_000 + count / 10;
  for (;;) {
    const health = (await (await fetch(`${apiUrl}/health`, { headers: benchAuthHeaders() })).json()) as {
      cache?: { state?: string; index?: { ready?: boolean; building?: boolean } };
    };
    const index = health.cache?.index;
    // No cache at all: nothing to wait for. A cache that is degraded for a moment (a busy machine)
    // is waited for like a build, or the run measures the build instead of the requests.
    if (!health.cache || health.cache.state === "disabled" || (index?.ready && !index.building)) return;
    // A read that finds no index kicks a background build (maintain may have found a lock left by
    // a stack stopped mid-build, and then waits a minute for its next run).
    if (!index?.ready && !index?.building) {
      await fetch(`${apiUrl}/tasks?limit=1&offset=1`, { headers: benchAuthHeaders() }).catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the cache's position index was not built within ${Math.round((300_000 + count / 10) / 60_000)} minutes`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function judge(
  row: Omit<Row, "met" | "why" | "target">,
  scenario: Scenario,
): Pick<Row, "met" | "why" | "target"> {
  const problems: string[] = [];
  if (row.errors + row.non2xx > 0) problems.push(`${row.errors + row.non2xx} errors`);
  const target = scenario.target;
  if (!target)
    return { target: "(ceiling)", met: problems.length === 0 ? null : false, why: problems.join("; ") };
  if (target.minRatio !== undefined && (row.ratio ?? 0) < target.minRatio) {
    problems.push(`${Math.round((row.ratio ?? 0) * 100)}% of ping`);
  }
  if (target.maxP99 !== undefined && row.p99 >= target.maxP99) problems.push(`p99 ${row.p99} ms`);
  return { target: `${target.label}, 0 errors`, met: problems.length === 0, why: problems.join("; ") };
}

export async function benchStack(
  mode: Mode | "running",
  apiUrl: string,
  lambdaUrl: string,
  options: BenchOptions,
): Promise<ModeResult> {
  await ensureTasks(apiUrl, lambdaUrl, options.count, options.reseed);
  // The steady state a deployment keeps with its every-minute schedule: expired tasks purged,
  // fences resampled once earlier runs' writes have piled up, the cache's index built.
  log(`maintain: ${JSON.stringify(await invokeMaintain(lambdaUrl))}`);
  if (!options.skipIndexWait) await untilIndexReady(apiUrl, options.count);
  const data = await loadScenarioData(apiUrl, options.count);
  const list = scenarios(data).filter(
    (scenario) => !options.only || scenario.name === "ping" || options.only.test(scenario.name),
  );
  const loadavgBefore = os.loadavg();
  const floor = options.floor === false ? undefined : await startFloor(options.databaseUrl);
  const countersBefore = await cacheCounters(apiUrl);
  measuredSince ??= Date.now();
  let rows: Row[];
  try {
    rows = await measure(
      mode,
      apiUrl,
      list,
      options,
      (base, scenario) => judge(base, scenario),
      "",
      floor?.url,
    );
  } finally {
    await floor?.stop();
  }
  return {
    mode,
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadavgBefore, loadavgAfter: os.loadavg(), node: process.version },
    count: options.count,
    durationSec: options.durationSec,
    connections: options.connections,
    rows,
    cache: await countersSince(apiUrl, countersBefore),
  };
}

type Judge = (
  row: Omit<Row, "met" | "why" | "target">,
  scenario: Scenario,
) => Pick<Row, "met" | "why" | "target">;

/** Runs each scenario (warm-up, then the measured run) and judges its row; ratios against ping. */
async function measure(
  mode: Mode | "running",
  apiUrl: string,
  list: Scenario[],
  options: BenchOptions,
  judgeRow: Judge,
  suffix = "",
  floorUrl?: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  let pingRate = 0;
  for (const scenario of list) {
    if (options.warmupSec > 0) await run(apiUrl, scenario, options.warmupSec, options.connections);
    const result = await run(apiUrl, scenario, options.durationSec, options.connections);
    const reqPerSec = Math.round(result.requests.average);
    if (scenario.name === "ping") pingRate = reqPerSec;
    const base = {
      scenario: `${scenario.name}${suffix}`,
      what: scenario.what,
      reqPerSec,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      requests: result.requests.total,
      statusCodes: Object.fromEntries(
        Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat?.count ?? 0]),
      ),
      ratio: pingRate > 0 ? Math.round((reqPerSec / pingRate) * 100) / 100 : null,
    };
    let floor: Row["floor"] = null;
    if (floorUrl && scenario.floor) {
      // Right after ours, so a machine that got busier meanwhile shifts both alike.
      if (options.warmupSec > 0)
        await run(floorUrl, scenario, options.warmupSec, options.connections, "floor");
      const floorResult = await run(floorUrl, scenario, options.durationSec, options.connections, "floor");
      floor = {
        reqPerSec: Math.round(floorResult.requests.average),
        p50: floorResult.latency.p50,
        p99: floorResult.latency.p99,
        errors: floorResult.errors + floorResult.timeouts + floorResult.non2xx,
      };
    }
    const row = { ...base, floor, ...judgeRow(base, scenario) };
    rows.push(row);
    log(
      `${mode.padEnd(9)} ${row.scenario.padEnd(26)} ${String(reqPerSec).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}+${row.non2xx}${floor ? `  | floor ${floor.reqPerSec} req/s p99 ${floor.p99} ms errors ${floor.errors}` : ""}`,
    );
  }
  return rows;
}

/** The floor server (scripts/bench-floor.ts) in its own process over the bench's database. */
async function startFloor(
  databaseUrl: string | undefined,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    "npx",
    ["--no-install", "tsx", path.join(__dirname, "..", "bench-floor.ts")],
    {
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, DATABASE_URL: databaseUrl ?? config.DATABASE_URL, FLOOR_PORT: "0" },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const found = /floor listening (\d+)/.exec(output);
      if (found) resolve(Number(found[1]));
    });
    child.once("exit", (code) => reject(new Error(`the floor server exited (${code}) before listening`)));
  });
  log(`floor server (node:http + pg) on :${port}`);
  // A bench that dies (Ctrl-C, an error) takes its floor server with it.
  const killFloor = () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
  };
  process.once("exit", killFloor);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      process.off("exit", killFloor);
      const exited = once(child, "exit");
      process.kill(-child.pid, "SIGTERM");
      await exited;
    },
  };
}

/** A port nothing listens on: taken from the OS and released. */
async function deadPort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The REDIS_DOWN scenarios against a stack whose REDIS_URL points at a dead port, each judged
 * against its Redis-up row: p99 within REDIS_DOWN_P99_SLACK_MS, no errors. Rows are appended to
 * the Redis-up result so the table shows both side by side.
 */
async function benchRedisDown(
  mode: Mode,
  apiUrl: string,
  up: ModeResult,
  options: BenchOptions,
): Promise<Row[]> {
  const data = await loadScenarioData(apiUrl, options.count);
  const list = scenarios(data).filter(
    (scenario) => scenario.name === "ping" || REDIS_DOWN_SCENARIOS.includes(scenario.name),
  );
  const rows = await measure(
    mode,
    apiUrl,
    list,
    options,
    (row, scenario) => {
      const upRow = up.rows.find((candidate) => candidate.scenario === scenario.name);
      if (!upRow || scenario.name === "ping") return judge(row, scenario);
      const limit = upRow.p99 + REDIS_DOWN_P99_SLACK_MS;
      const problems = [
        ...(row.errors + row.non2xx > 0 ? [`${row.errors + row.non2xx} errors`] : []),
        ...(row.p99 > limit ? [`p99 ${row.p99} ms vs ${upRow.p99} ms with Redis up`] : []),
      ];
      return {
        target: `p99 <= ${limit} ms (Redis up + ${REDIS_DOWN_P99_SLACK_MS}), 0 errors`,
        met: problems.length === 0,
        why: problems.join("; "),
      };
    },
    " (Redis down)",
  );
  return rows;
}

export function markdownTable(result: ModeResult): string {
  const load = (values: number[]) => values.map((v) => v.toFixed(1)).join("/");
  const lines = [
    `**${result.mode === "inprocess" ? "serverless-offline --useInProcess" : result.mode === "worker" ? "serverless-offline worker threads (default)" : "running stack"}** — ${result.count.toLocaleString("en-US")} tasks, ${result.connections} connections, ${result.durationSec} s per scenario, ${result.machine.cpus} cores (load average before/after: ${load(result.machine.loadavgBefore)} → ${load(result.machine.loadavgAfter)}; autocannon, offline, PostgreSQL and Redis share the cores), ${result.startedAt.slice(0, 16)}Z`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | errors (non-2xx) | vs ping | floor req/s (p99 ms) | ours / floor | target | met |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ...result.rows.map(
      (row) =>
        `| ${row.scenario} | ${row.reqPerSec.toLocaleString("en-US")} | ${row.p50} | ${row.p99} | ${row.errors} (${row.non2xx}) | ${row.ratio === null ? "" : `${Math.round(row.ratio * 100)}%`} | ${row.floor ? `${row.floor.reqPerSec.toLocaleString("en-US")} (${row.floor.p99})${row.floor.errors > 0 ? ` ${row.floor.errors} errors` : ""}` : ""} | ${row.floor && row.floor.reqPerSec > 0 ? `${Math.round((row.reqPerSec / row.floor.reqPerSec) * 100)}%` : ""} | ${row.target} | ${row.met === null ? "" : row.met ? "yes" : `**no**: ${row.why}`} |`,
    ),
    ...(result.cache ? ["", cacheLine(result.cache)] : []),
    "",
    "Floor: a plain `node:http` + `pg` server over the same database (scripts/bench-floor.ts; the same JSON from PostgreSQL, no cache, sign-in, limits or audit), given the same kind of request right after ours: the first page uncached for both first-page rows, a keyset page after the same boundary rows for the deep page.",
  ];
  return lines.join("\n");
}

/** The bench mix's cache outcome: reads by X-Cache, and what misses wrote back. */
function cacheLine(counters: Record<string, number>): string {
  const n = (key: string) => counters[key] ?? 0;
  const reads = n("hit") + n("miss") + n("partial") + n("bypass");
  const ratio = reads > 0 ? `${Math.round((n("hit") / reads) * 100)}%` : "n/a";
  const number = (value: number) => value.toLocaleString("en-US");
  return `Cache over the measured scenarios: ${number(reads)} reads (hit ${number(n("hit"))}, miss ${number(n("miss"))}, partial ${number(n("partial"))}, bypass ${number(n("bypass"))}; hit ratio ${ratio}), ${number(n("fills"))} task entries written back, ${number(n("queryLoads"))} query pages loaded from PostgreSQL.`;
}

function recommendation(results: ModeResult[]): string {
  const [a, b] = results;
  if (!a || !b) return "";
  const score = (result: ModeResult) =>
    result.rows.reduce((sum, row) => sum + Math.log(Math.max(row.reqPerSec, 1)), 0) / result.rows.length;
  const p99 = (result: ModeResult) => {
    const sorted = result.rows.map((row) => row.p99).sort((x, y) => x - y);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  const better = score(a) >= score(b) ? a : b;
  const worse = better === a ? b : a;
  const factor = Math.exp(score(better) - score(worse));
  return `Recommendation: \`${better.mode}\` for \`npm start\`: ${factor.toFixed(1)}x the throughput of \`${worse.mode}\` (geometric mean over all scenarios), median p99 ${p99(better)} ms vs ${p99(worse)} ms, ${better.rows.filter((row) => row.met).length}/${better.rows.filter((row) => row.met !== null).length} targets met vs ${worse.rows.filter((row) => row.met).length}/${worse.rows.filter((row) => row.met !== null).length}.`;
}

async function writeResults(results: ModeResult[], outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  for (const result of results) {
    const json = JSON.stringify(result, null, 2);
    await writeFile(path.join(outDir, `${stamp}-${result.mode}.json`), json);
    await writeFile(path.join(outDir, `latest-${result.mode}.json`), json);
  }
  // The README tables: the latest run of each mode, whichever invocation produced it.
  const latest: ModeResult[] = [];
  for (const mode of ["inprocess", "worker"] as const) {
    try {
      latest.push(JSON.parse(await readFile(path.join(outDir, `latest-${mode}.json`), "utf8")) as ModeResult);
    } catch {
      // that mode has not been measured yet
    }
  }
  const tables = [
    "<!-- written by `npm run bench -- --mode both`; paste into the README -->",
    ...latest.map(markdownTable),
    recommendation(latest),
  ].filter(Boolean);
  await writeFile(path.join(outDir, "README-tables.md"), `${tables.join("\n\n")}\n`);
}

/** A stack this script starts runs on a schema it has migrated, as `npm start` does. */
export async function migrateDatabase(databaseUrl: string | undefined): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl ?? config.DATABASE_URL });
  await client.connect();
  try {
    await migrate(client, MIGRATIONS_DIR);
  } finally {
    await client.end();
  }
}

/** serverless-offline in `mode` on the bench's ports, over its database and the given Redis. */
function startBenchStack(
  mode: Mode,
  options: BenchOptions,
  redisUrl: string | undefined,
  profileDir?: string,
): Promise<Stack> {
  return startStack({
    apiPort: options.apiPort,
    lambdaPort: options.lambdaPort,
    inProcess: mode === "inprocess",
    env: {
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      ...options.stackEnv,
      // Every request is counted like any caller's, but one actor sending thousands a second
      // must not be refused: a 429 is cheaper than the request it stands for.
      RATE_LIMIT_READ: "1000000000",
      RATE_LIMIT_WRITE: "1000000000",
      // Every Node process of the stack writes a profile when it exits; the offline one is the largest.
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    },
  });
}

async function reportProfile(
  profileDir: string,
  mode: Mode,
  outDir: string,
  sinceMs?: number,
): Promise<void> {
  // Every process of the stack writes its profile as it exits, the offline one last and largest.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const file = await busiestProfile(profileDir);
  if (!file) {
    log(`no CPU profile was written to ${profileDir}`);
    return;
  }
  const table = profileTables(
    await summarizeProfile(file, 15, sinceMs),
    `CPU profile of serverless-offline (${mode}) over the measured scenarios`,
  );
  await writeFile(path.join(outDir, `profile-${mode}.md`), `${table}\n`);
  process.stdout.write(`\n${table}\n`);
}

export async function bench(options: BenchOptions, write = true): Promise<ModeResult[]> {
  const results: ModeResult[] = [];
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  const lambdaUrl = `http://127.0.0.1:${options.lambdaPort}`;
  if (options.modes.length === 0 && (await answers(`${apiUrl}/ping`))) {
    if (options.redisDown) {
      throw new Error(
        `--redis-down starts its own stacks: stop the stack on port ${options.apiPort} or pick free ports (API_PORT, LAMBDA_PORT)`,
      );
    }
    log(`Using the stack answering at ${apiUrl}`);
    results.push(await benchStack("running", apiUrl, lambdaUrl, options));
  } else {
    for (const mode of options.modes.length > 0 ? options.modes : (["inprocess"] as Mode[])) {
      if (await answers(`${apiUrl}/ping`)) {
        throw new Error(
          `Port ${options.apiPort} is taken by a running stack; stop it or pick free ports (API_PORT, LAMBDA_PORT) to benchmark --mode ${mode}`,
        );
      }
      await migrateDatabase(options.databaseUrl);
      log(`Starting serverless-offline (${mode}) on ${apiUrl}`);
      let stack: Stack | undefined;
      const profileDir = options.profile
        ? path.join(options.outDir, `profile-${mode}-${new Date().toISOString().replace(/[:.]/g, "-")}`)
        : undefined;
      if (profileDir) await mkdir(profileDir, { recursive: true });
      try {
        stack = await startBenchStack(mode, options, options.redisUrl, profileDir);
        const up = await benchStack(mode, apiUrl, lambdaUrl, options);
        results.push(up);
        if (options.redisDown) {
          await stack.stop();
          stack = undefined;
          const deadUrl = `redis://127.0.0.1:${await deadPort()}`;
          log(`Starting serverless-offline (${mode}) with REDIS_URL=${deadUrl} (nothing listens there)`);
          stack = await startBenchStack(mode, options, deadUrl);
          up.rows.push(...(await benchRedisDown(mode, apiUrl, up, options)));
        }
      } finally {
        await stack?.stop();
      }
      if (profileDir) {
        await mkdir(options.outDir, { recursive: true });
        await reportProfile(profileDir, mode, options.outDir, measuredSince);
      }
    }
  }
  const measured = results.filter((result) => result.mode !== "running");
  if (!write) return results;
  await writeResults(measured.length > 0 ? measured : results, options.outDir);
  for (const result of results) process.stdout.write(`\n${markdownTable(result)}\n`);
  const advice = recommendation(results);
  if (advice) process.stdout.write(`\n${advice}\n`);
  return results;
}

// npm run bench:start [-- --fresh] [--count 1000000]: times `npm start` as a user meets it, with no
// DATABASE_URL. --fresh starts on a new embedded database (a first run: initdb, migrations, demo
// data through the seed function); without it, on .data/postgres as it is (a warm start). Prints a
// table: when the API served its first page, when the site answered, when the demo data was all
// there. Ports: API_PORT, LAMBDA_PORT, WS_PORT, PORT (site), EMBEDDED_PG_PORT, as for npm start.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseDemoCount } from "./lib/demo-data";
import { mintDevToken } from "./lib/dev-keys";

const ROOT = path.resolve(__dirname, "..");
const { values: flags } = parseArgs({
  options: {
    fresh: { type: "boolean", default: false },
    count: { type: "string", default: process.env.DEMO_TASKS },
    "timeout-s": { type: "string", default: "300" },
  },
});
const count = parseDemoCount(flags.count);
const apiUrl = `http://127.0.0.1:${process.env.API_PORT ?? 3000}`;
const siteUrl = `http://127.0.0.1:${process.env.PORT ?? 4321}`;

/** The API wants a bearer token: a development one, as the site's demo editor has (scripts/lib/dev-keys.ts). */
const viewerToken = mintDevToken({
  sub: "bench-start",
  name: "bench:start",
  role: "viewer",
  ttlSeconds: 3600,
});

async function probe(url: string, headers: Record<string, string> = {}): Promise<Response | undefined> {
  try {
    return await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const dataDir = flags.fresh
    ? path.join(ROOT, `.data/bench-start-${process.pid}`)
    : (process.env.EMBEDDED_PG_DIR ?? path.join(ROOT, ".data/postgres"));
  const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_PG_DIR: dataDir, DEMO_TASKS: String(count) };
  delete env.DATABASE_URL;
  const load = os.loadavg().map((n) => n.toFixed(1));
  const started = performance.now();
  // Its own process group, so that the end is a Ctrl-C to all of it, as in a terminal.
  const child = spawn("tsx", ["scripts/start.ts"], { cwd: ROOT, env, detached: true, stdio: "ignore" });
  const marks: { what: string; ms: number }[] = [];
  const mark = (what: string) => marks.push({ what, ms: performance.now() - started });
  let firstPage = false;
  let site = false;
  let complete = false;
  const deadline = started + Number(flags["timeout-s"]) * 1_000;
  try {
    while (!(firstPage && site && complete) && performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const page = await probe(`${apiUrl}/tasks?limit=50`, { authorization: `Bearer ${viewerToken}` });
      if (page?.ok) {
        const body = (await page.json()) as { total: { value: number } };
        if (!firstPage) {
          firstPage = true;
          mark(`API first page (total ${body.total.value.toLocaleString("en-US")})`);
        }
        if (!complete && body.total.value >= count) {
          complete = true;
          mark(`${count.toLocaleString("en-US")} tasks listed`);
        }
      }
      if (!site && (await probe(siteUrl))?.ok) {
        site = true;
        mark("site answers");
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    if (child.pid) process.kill(-child.pid, "SIGINT");
    await new Promise((resolve) => child.once("exit", resolve));
    if (flags.fresh) await rm(dataDir, { recursive: true, force: true });
  }
  const title = flags.fresh ? "first run (new embedded database)" : "warm start (existing .data/postgres)";
  console.log(
    `\n**npm start, ${title}**: ${os.cpus().length} cores, load average before ${load.join("/")}, ${new Date().toISOString()}\n`,
  );
  console.log("| event | seconds after `npm start` |\n| --- | ---: |");
  for (const { what, ms } of marks.sort((a, b) => a.ms - b.ms))
    console.log(`| ${what} | ${(ms / 1000).toFixed(1)} |`);
  if (!(firstPage && site && complete)) {
    console.log(`\nNot everything happened within ${flags["timeout-s"]} s.`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

// npm start: the whole system on this machine. API on :3000, Lambda Invoke API on :3002, WebSocket
// on :3001, the built site on :4321 (`npm run dev`: Astro's dev server with hot reload instead).
// Without DATABASE_URL it serves an embedded PostgreSQL 18 (data in .data/postgres) and, the first
// time, loads demo tasks into it; without REDIS_URL it uses a Redis on 127.0.0.1:6379 when one
// answers, and runs uncached otherwise. The log says which.

import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { installQueueSchema } from "../functions/src/jobs/queue";
import { MIGRATIONS_DIR, migrate } from "../functions/src/platform/migrations";
import { loadDemoData, needsDemoData, parseDemoCount } from "./lib/demo-data";
import { devAuthEnv, writeDevSession } from "./lib/dev-keys";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./lib/embedded-postgres";
import { formatDuration } from "./lib/progress";
import { redisAnswers } from "./lib/redis-probe";

const ROOT = path.resolve(__dirname, "..");
const { values: flags } = parseArgs({
  options: {
    only: { type: "string" },
    mode: { type: "string", default: process.env.RUNTIME_MODE ?? "inprocess" },
    dev: { type: "boolean", default: false },
    "demo-tasks": { type: "string", default: process.env.DEMO_TASKS },
  },
});

const log = (msg: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level: "info", msg, ...extra }));

async function main(): Promise<void> {
  const demoCount = parseDemoCount(flags["demo-tasks"]);
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    log("database: PostgreSQL from DATABASE_URL", { url: databaseUrl.replace(/\/\/[^@]*@/, "//***@") });
  } else {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 5499);
    const dataDir = process.env.EMBEDDED_PG_DIR ?? path.join(ROOT, ".data/postgres");
    embedded = await startEmbeddedPostgres({ dataDir, port });
    databaseUrl = embedded.url;
    log(
      `database: embedded PostgreSQL 18${embedded.created ? " (new)" : ""}; set DATABASE_URL to use a server`,
      {
        url: databaseUrl,
        dir: path.relative(ROOT, embedded.dataDir) || embedded.dataDir,
      },
    );
  }

  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl && (await redisAnswers("127.0.0.1", 6379, 500))) redisUrl = "redis://127.0.0.1:6379";
  log(redisUrl ? "cache: Redis" : "cache: disabled (no REDIS_URL and no Redis on 127.0.0.1:6379)", {
    url: redisUrl ?? null,
  });

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const migrated = await migrate(client, MIGRATIONS_DIR);
  await installQueueSchema(databaseUrl);
  log("migrated", { applied: migrated.applied });
  // Only the embedded database is ever seeded unasked: a server given by DATABASE_URL is the user's.
  const seedDemo = embedded !== undefined && demoCount > 0 && (await needsDemoData(client));

  const inProcess = flags.mode !== "worker";
  log("runtime", { mode: inProcess ? "in-process" : "worker threads" });
  const lambdaUrl = `http://127.0.0.1:${process.env.LAMBDA_PORT ?? 3002}`;
  const apiUrl = process.env.PUBLIC_API_URL ?? `http://localhost:${process.env.API_PORT ?? 3000}`;
  const wsUrl = process.env.PUBLIC_WS_URL ?? `ws://localhost:${process.env.WS_PORT ?? 3001}`;
  const sitePort = process.env.PORT ?? "4321";
  log("endpoints", {
    api: apiUrl,
    lambdaInvoke: lambdaUrl,
    webSocket: wsUrl,
    site: `http://localhost:${sitePort}`,
    demoStatus: `${apiUrl}/seed/status`,
  });
  // Identity (issue 13): the development key set and control secret for the functions, demo users'
  // tokens for the site's user menu, and CORS for the site's own origin only.
  const siteOrigin = process.env.CORS_ORIGIN ?? `http://localhost:${sitePort}`;
  const auth = devAuthEnv();
  const devSessionFile = path.join(ROOT, writeDevSession());
  log("sign-in: development keys in .data/auth; the site signs in as a demo editor", {
    session: path.relative(ROOT, devSessionFile),
  });
  const commands = {
    functions: `serverless offline start${inProcess ? " --useInProcess" : ""}`,
    web: flags.dev
      ? `astro dev --root web --port ${sitePort} --host 127.0.0.1`
      : "tsx scripts/build-site.ts && node scripts/serve-static.mts",
  };
  const chosen = Object.entries(commands).filter(([name]) => !flags.only || name === flags.only);
  // concurrently's CLI prefixes each output line and stops the rest when one command exits.
  const child = spawn(
    "concurrently",
    [
      "--kill-others",
      "--names",
      chosen.map(([name]) => name).join(","),
      ...chosen.map(([, command]) => command),
    ],
    {
      cwd: ROOT,
      stdio: "inherit",
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
        PUBLIC_API_URL: apiUrl,
        PUBLIC_WS_URL: wsUrl,
        PORT: sitePort,
        HOST: "127.0.0.1",
        // The built site's static server answers /dev-session.json from this file (development only).
        DEV_SESSION_FILE: devSessionFile,
        ...auth,
        CORS_ORIGIN: siteOrigin,
        ASTRO_TELEMETRY_DISABLED: "1",
        // serverless-offline's three lines per request (its route and duration, beside the
        // functions' own JSON request line) cost ~7% of its CPU under load (issue 15's profile).
        // SLS_LOG_LEVEL=notice brings them back; warnings and errors always show.
        SLS_LOG_LEVEL: process.env.SLS_LOG_LEVEL ?? "warning",
        SLS_TELEMETRY_DISABLED: "1",
        SLS_NOTIFICATIONS_MODE: "off",
      },
    },
  );
  const exited = new Promise<number>((resolve) => child.once("exit", (exitCode) => resolve(exitCode ?? 1)));
  const stopping = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      stopping.abort();
      child.kill(signal);
    });

  if (seedDemo) {
    const seedLine = (line: string) => console.log(`[demo] ${line}`);
    loadDemoData({ lambdaUrl, count: demoCount, client, log: seedLine, signal: stopping.signal })
      .then(({ ms }) =>
        seedLine(`${demoCount.toLocaleString("en-US")} demo tasks loaded in ${formatDuration(ms)}`),
      )
      .catch((error: unknown) => {
        if (!stopping.signal.aborted) seedLine(`failed: ${error instanceof Error ? error.message : error}`);
      })
      .finally(() => client.end().catch(() => {}));
  } else {
    await client.end();
  }

  const code = await exited;
  await embedded?.stop().catch(() => {});
  process.exit(code);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

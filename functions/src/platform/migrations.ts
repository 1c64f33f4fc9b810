// Applies infra/migrations/NNN_name.sql in order, each in its own transaction, recording what ran
// so a second run is a no-op. An advisory lock keeps two starting processes from racing.
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
  await client.query("select pg_advisory_lock($1)", [LOCK_ID]);
  try {
    await client.query(`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`);
    const done = await client.query<{ name: string; checksum: string }>(
      "select name, checksum from schema_migrations",
    );
    const applied = new Map(done.rows.map((row) => [row.name, row.checksum]));
    const result: MigrationResult = { applied: [], skipped: [] };
    for (const name of files) {
      const sql = await readFile(path.join(directory, name), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const previous = applied.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(`Migration ${name} was edited after it was applied; add a new migration instead`);
        }
        result.skipped.push(name);
        continue;
      }
      await client.query("begin");
      try {
        await client.query(sql);
        await client.query("insert into schema_migrations (name, checksum) values ($1, $2)", [
          name,
          checksum,
        ]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw new Error(`Migration ${name} failed: ${(error as Error).message}`);
      }
      result.applied.push(name);
    }
    return result;
  } finally {
    await client.query("select pg_advisory_unlock($1)", [LOCK_ID]);
  }
}

export const MIGRATIONS_DIR = path.resolve(__dirname, "../../../infra/migrations");

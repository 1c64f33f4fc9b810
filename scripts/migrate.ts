// npm run db:migrate: applies infra/migrations to DATABASE_URL (default: the local server).
import pg from "pg";
import { installQueueSchema } from "../functions/src/jobs/queue";
import { config } from "../functions/src/platform/config";
import { MIGRATIONS_DIR, migrate } from "../functions/src/platform/migrations";

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  try {
    const result = await migrate(client, MIGRATIONS_DIR);
    // The job queue's own schema (graphile-worker's migrations, idempotent).
    await installQueueSchema(config.DATABASE_URL);
    console.log(
      JSON.stringify({ msg: "migrated", applied: result.applied, alreadyApplied: result.skipped.length }),
    );
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

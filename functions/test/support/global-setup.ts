// The vitest projects' global setup: waits for PostgreSQL, creates and migrates the databases, starts
// the stacks a project needs. With CI=true a missing service fails the run instead of skipping anything.
import pg from "pg";
import type { TestProject } from "vitest/node";
import { SeedClient } from "../../../scripts/lib/seed-client";
import { installQueueSchema } from "../../src/jobs/queue";
import { MIGRATIONS_DIR, migrate } from "../../src/platform/migrations";
import { ensureTestServices } from "./ensure-services";
import {
  BROWSER_API_PORT,
  BROWSER_DATABASE_URL,
  BROWSER_LAMBDA_PORT,
  BROWSER_REDIS_URL,
  BROWSER_SITE_ORIGIN,
  BROWSER_TASKS,
  BROWSER_WS_PORT,
  SUITE_RATE_LIMITS,
  TEST_API_PORT,
  TEST_DATABASE_URL,
  TEST_LAMBDA_PORT,
  TEST_REDIS_URL,
  TEST_WS_PORT,
} from "./services";
import { startStack } from "./stack";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the serverless-offline HTTP API the contract and browser tests call. */
    apiUrl: string;
    /** Endpoint of serverless-offline's Lambda Invoke API. */
    lambdaUrl: string;
    /** serverless-offline's WebSocket endpoint (live updates). */
    wsUrl: string;
    /** The browser tests' stack, over a table of BROWSER_TASKS tasks. */
    browserApiUrl: string;
    browserWsUrl: string;
  }
}

async function waitForDatabase(url: string, timeoutMs: number): Promise<pg.Client> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      return client;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`PostgreSQL at ${url} did not answer: ${String(lastError)}`);
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = await waitForDatabase(admin.toString(), 30_000);
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

async function migrateDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  const client = await waitForDatabase(url, 10_000);
  try {
    await migrate(client, MIGRATIONS_DIR);
    await installQueueSchema(url);
  } finally {
    await client.end();
  }
}

/**
 * True when the browser database holds exactly what the last seed left: BROWSER_TASKS tasks, none
 * written since. Earlier runs create, edit and bulk-edit tasks, and some tests assert on figures of
 * the seeded data (a search's estimated count, the rows at its end), so a changed table is reseeded.
 */
async function browserTasksAsSeeded(databaseUrl: string): Promise<boolean> {
  const client = await waitForDatabase(databaseUrl, 10_000);
  try {
    // Seeded tasks were all last updated at or before their load's anchor; any later write is newer.
    const result = await client.query<{ untouched: boolean }>(
      `select coalesce((
         select l.count = $1 and (select count(*) from tasks) = $1
                and not exists (select 1 from tasks where updated_at > l.anchor)
         from seed_loads l where l.state = 'done' and l.mode = 'replace'
         order by l.finished_at desc limit 1), false) as untouched`,
      [BROWSER_TASKS],
    );
    return result.rows[0]?.untouched ?? false;
  } finally {
    await client.end();
  }
}

/** Seeds the browser stack's table through the Lambda Invoke API, as `npm run seed` does, when it changed. */
async function ensureBrowserTasks(lambdaUrl: string): Promise<void> {
  if (await browserTasksAsSeeded(BROWSER_DATABASE_URL)) return;
  const started = performance.now();
  const client = new SeedClient({ endpoint: lambdaUrl, functionName: "million-tasks-dev-seed" });
  await client.seed({ count: BROWSER_TASKS, truncate: true, seed: 1, progress: false });
  console.log(
    `seeded ${BROWSER_TASKS} tasks for the browser tests in ${Math.round(performance.now() - started)} ms`,
  );
}

/** A serverless-offline stack over a migrated database, on the given API, Lambda and WebSocket ports. */
async function migratedStack(
  databaseUrl: string,
  redisUrl: string,
  [apiPort, lambdaPort, wsPort]: [number, number, number],
  env: Record<string, string> = {},
) {
  await migrateDatabase(databaseUrl);
  return startStack({
    apiPort,
    lambdaPort,
    wsPort,
    env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ...SUITE_RATE_LIMITS, ...env },
  });
}

/** Stops what was started, in reverse order, after the project's tests (or a failed setup). */
function teardown(...steps: Array<() => Promise<void>>): () => Promise<void> {
  return async () => {
    for (const step of steps.reverse()) await step();
  };
}

/**
 * What each vitest project needs, started once per run of that project: every project but `unit`
 * first brings its services when nothing answers (ensure-services.ts: the embedded PostgreSQL,
 * Debian's redis-server, and for `browser` Debian's chromium); `integration` then a migrated test
 * database; `contract` also the serverless-offline stack over it; `browser` its own database
 * (seeded with BROWSER_TASKS tasks whenever an earlier run changed them) and stack. `unit` has no global setup.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  switch (project.name) {
    case "integration": {
      const stopServices = await ensureTestServices({
        databases: [TEST_DATABASE_URL],
        redis: [TEST_REDIS_URL],
      });
      await migrateDatabase(TEST_DATABASE_URL).catch(async (error: unknown) => {
        await stopServices();
        throw error;
      });
      return stopServices;
    }
    case "contract": {
      const stopServices = await ensureTestServices({
        databases: [TEST_DATABASE_URL],
        redis: [TEST_REDIS_URL],
      });
      const stack = await migratedStack(TEST_DATABASE_URL, TEST_REDIS_URL, [
        TEST_API_PORT,
        TEST_LAMBDA_PORT,
        TEST_WS_PORT,
      ]).catch(async (error: unknown) => {
        await stopServices();
        throw error;
      });
      project.provide("apiUrl", stack.apiUrl);
      project.provide("lambdaUrl", stack.lambdaUrl);
      project.provide("wsUrl", stack.wsUrl);
      return teardown(stopServices, stack.stop);
    }
    case "browser": {
      const stopServices = await ensureTestServices({
        databases: [BROWSER_DATABASE_URL],
        redis: [BROWSER_REDIS_URL],
        chromium: true,
      });
      let stack: Awaited<ReturnType<typeof migratedStack>> | undefined;
      try {
        stack = await migratedStack(
          BROWSER_DATABASE_URL,
          BROWSER_REDIS_URL,
          [BROWSER_API_PORT, BROWSER_LAMBDA_PORT, BROWSER_WS_PORT],
          { CORS_ORIGIN: BROWSER_SITE_ORIGIN },
        );
        await ensureBrowserTasks(stack.lambdaUrl);
      } catch (error) {
        await stack?.stop();
        await stopServices();
        throw error;
      }
      project.provide("browserApiUrl", stack.apiUrl);
      project.provide("browserWsUrl", stack.wsUrl);
      return teardown(stopServices, stack.stop);
    }
    default:
      throw new Error(`no global setup is defined for the vitest project "${project.name}"`);
  }
}

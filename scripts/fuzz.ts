// npm run fuzz -- --runs N [--seed S] [--url http://127.0.0.1:3000]
// Without --url it starts serverless-offline (in-process, as `npm start`) on API_PORT/LAMBDA_PORT/
// WS_PORT (default 3300/3302/3304) over DATABASE_URL and REDIS_URL, migrates, and stops it after.
import { parseArgs } from "node:util";
import pg from "pg";
import { MIGRATIONS_DIR, migrate } from "../functions/src/platform/migrations";
import { runFuzz } from "../functions/test/fuzz/run-fuzz";
import { SUITE_RATE_LIMITS } from "../functions/test/support/services";
import { startStack } from "../functions/test/support/stack";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "10000" }, seed: { type: "string" }, url: { type: "string" } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await migrate(client, MIGRATIONS_DIR);
  await client.end();

  const stack = values.url
    ? undefined
    : await startStack({
        apiPort: Number(process.env.API_PORT ?? 3300),
        lambdaPort: Number(process.env.LAMBDA_PORT ?? 3302),
        wsPort: Number(process.env.WS_PORT ?? 3304),
        env: {
          DATABASE_URL: databaseUrl,
          // One fuzzing actor sends thousands of requests a minute: the limiter is not under test here.
          ...SUITE_RATE_LIMITS,
          ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
        },
      });
  const started = performance.now();
  try {
    const report = await runFuzz({
      baseUrl: values.url ?? stack?.apiUrl ?? "",
      databaseUrl,
      runs,
      seed,
      onProgress: (done) => process.stderr.write(`\r${done}/${runs}`),
    });
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    console.log(`\n${JSON.stringify({ ...report, seconds })}`);
  } finally {
    await stack?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

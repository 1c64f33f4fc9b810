// npm run seed -- --count 1000000 [--append] [--seed 1] [--concurrency 2]
// Seeds through the running stack's Lambda Invoke API (serverless-offline on :3002 by default;
// LAMBDA_ENDPOINT or LAMBDA_PORT to change). Replaces all tasks unless --append. Ctrl-C aborts the
// load and leaves the tasks exactly as they were.
import { parseArgs } from "node:util";
import { formatDuration } from "./lib/progress";
import { SeedAbortedError, SeedClient, StackNotRunningError } from "./lib/seed-client";

const { values: flags } = parseArgs({
  options: {
    count: { type: "string", default: "1000000" },
    append: { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    anchor: { type: "string" },
    "chunk-rows": { type: "string" },
    concurrency: { type: "string", default: "2" },
    endpoint: { type: "string" },
    function: { type: "string", default: process.env.SEED_FUNCTION ?? "million-tasks-dev-seed" },
    json: { type: "boolean", default: false },
  },
});

const endpoint =
  flags.endpoint ?? process.env.LAMBDA_ENDPOINT ?? `http://127.0.0.1:${process.env.LAMBDA_PORT ?? 3002}`;
const count = Number(flags.count.replaceAll("_", ""));
if (!Number.isInteger(count) || count < 0) {
  console.error(`--count must be a whole number, not ${flags.count}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const client = new SeedClient({ endpoint, functionName: flags.function });
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write("\nInterrupted: aborting the load (Ctrl-C again to quit without cleaning up)\n");
    controller.abort();
  });
  const mode = flags.append ? "appending" : "replacing all tasks with";
  process.stderr.write(
    `Seeding via ${endpoint} (${flags.function}): ${mode} ${count.toLocaleString("en-US")} tasks\n`,
  );
  try {
    const summary = await client.seed({
      count,
      truncate: !flags.append,
      seed: Number(flags.seed),
      ...(flags.anchor ? { anchor: flags.anchor } : {}),
      ...(flags["chunk-rows"] ? { chunkRows: Number(flags["chunk-rows"]) } : {}),
      concurrency: Number(flags.concurrency),
      signal: controller.signal,
    });
    const rate = Math.round((summary.rows / Math.max(summary.totalMs, 1)) * 1000);
    const { memory } = summary;
    if (flags.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(
        [
          `Seeded ${summary.rows.toLocaleString("en-US")} tasks (${summary.plan.mode}, seed ${summary.plan.seed}) in ${formatDuration(summary.totalMs)}: ${rate.toLocaleString("en-US")} rows/s end to end`,
          `  load ${formatDuration(summary.loadMs)}, then indexes/fences/swap ${formatDuration(summary.finishMs)} (index builds ${formatDuration(summary.indexMs)})`,
          summary.swap ? `  swap: ${JSON.stringify(summary.swap)}` : "",
          `  function memory: peak rss ${memory.rssPeakMb} MB (rss at invocation start ${memory.rssStartMb} MB, peak heap ${memory.heapUsedPeakMb} MB)`,
        ]
          .filter(Boolean)
          .join("\n"),
      );
    }
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => {
  if (error instanceof StackNotRunningError || error instanceof SeedAbortedError) {
    console.error(error.message);
    process.exit(error instanceof SeedAbortedError ? 130 : 1);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

// npm run bench:live [-- --connections 0,100 --writes 300 --concurrency 1,10 --fanout off,invoke,inline]
// What the live feed costs a write. For each fan-out mode it starts serverless-offline (in-process,
// on API_PORT/LAMBDA_PORT/WS_PORT, default 3700/3702/3704), opens N WebSocket clients, and times
// writes (a create then an update per task) at the given concurrency: the write's own latency and
// the time until every client has the event. DATABASE_URL / REDIS_URL as for the tests.
import { parseArgs } from "node:util";
import pg from "pg";
import { MIGRATIONS_DIR, migrate } from "../functions/src/platform/migrations";
import { LiveClient, limited } from "../functions/test/support/live-client";
import { startStack } from "../functions/test/support/stack";
import { benchAuthHeaders } from "./lib/bench-scenarios";

const { values: flags } = parseArgs({
  options: {
    connections: { type: "string", default: "0,100" },
    writes: { type: "string", default: "300" },
    concurrency: { type: "string", default: "1,10" },
    fanout: { type: "string", default: "off,invoke,inline" },
  },
});

const list = (value: string) => value.split(",").map((part) => part.trim());
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1";
const ports = {
  api: Number(process.env.API_PORT ?? 3700),
  lambda: Number(process.env.LAMBDA_PORT ?? 3702),
  ws: Number(process.env.WS_PORT ?? 3704),
};

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
const ms = (n: number) => (Number.isNaN(n) ? "-" : n.toFixed(1));

interface Row {
  fanout: string;
  connections: number;
  concurrency: number;
  writes: number;
  p50: number;
  p95: number;
  p99: number;
  deliveryP50: number;
  deliveryP99: number;
  writesPerSec: number;
}

async function measure(
  api: string,
  wsUrl: string,
  fanout: string,
  connections: number,
  concurrency: number,
  writes: number,
): Promise<Row> {
  const clients = Array.from({ length: connections }, () => new LiveClient(wsUrl));
  // Right after a restart the WebSocket port may still be settling: a few retries.
  await limited(clients, 20, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.connect();
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  });
  const arrivals = new Map<string, number[]>();
  for (const client of clients) {
    const push = client.events.push.bind(client.events);
    client.events.push = (...events) => {
      const now = performance.now();
      for (const event of events) {
        const key = `${event.id}@${event.version ?? "d"}`;
        const seen = arrivals.get(key) ?? [];
        seen.push(now);
        arrivals.set(key, seen);
      }
      return push(...events);
    };
  }
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const write = async (method: string, path: string, body: unknown) => {
    const started = performance.now();
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { "content-type": "application/json", ...benchAuthHeaders() },
      body: JSON.stringify(body),
    });
    const task = (await response.json()) as { id: string; version: number };
    latencies.push(performance.now() - started);
    sentAt.set(`${task.id}@${task.version}`, started);
    return task;
  };
  const started = performance.now();
  await limited(
    Array.from({ length: Math.ceil(writes / 2) }, (_, i) => i),
    concurrency,
    async (i) => {
      const task = await write("POST", "/tasks", { title: `Bench live ${i}` });
      await write("PATCH", `/tasks/${task.id}`, { status: "done" });
    },
  );
  const elapsed = performance.now() - started;
  const deadline = Date.now() + 30_000;
  while (
    connections > 0 &&
    Date.now() < deadline &&
    [...sentAt.keys()].some((key) => (arrivals.get(key)?.length ?? 0) < connections)
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Delivery: from the start of the write until the last client had its event.
  const delivery = [...sentAt.entries()]
    .map(([key, at]) => Math.max(...(arrivals.get(key) ?? [Number.NaN])) - at)
    .filter((n) => Number.isFinite(n))
    .sort((a, b) => a - b);
  await Promise.all(clients.map((client) => client.close()));
  latencies.sort((a, b) => a - b);
  return {
    fanout,
    connections,
    concurrency,
    writes: latencies.length,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    deliveryP50: connections > 0 ? quantile(delivery, 0.5) : Number.NaN,
    deliveryP99: connections > 0 ? quantile(delivery, 0.99) : Number.NaN,
    writesPerSec: (latencies.length / elapsed) * 1_000,
  };
}

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await migrate(client, MIGRATIONS_DIR);
  await client.end();
  const rows: Row[] = [];
  for (const fanout of list(flags.fanout)) {
    process.stderr.write(`fan-out ${fanout}: starting serverless-offline on :${ports.api}\n`);
    const stack = await startStack({
      apiPort: ports.api,
      lambdaPort: ports.lambda,
      wsPort: ports.ws,
      env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, LIVE_FANOUT: fanout },
    });
    try {
      // Warm every function (in-process mode loads a handler on its first call).
      await measure(stack.apiUrl, stack.wsUrl, fanout, 2, 2, 20);
      for (const connections of list(flags.connections).map(Number)) {
        for (const concurrency of list(flags.concurrency).map(Number)) {
          const row = await measure(
            stack.apiUrl,
            stack.wsUrl,
            fanout,
            connections,
            concurrency,
            Number(flags.writes),
          );
          process.stderr.write(`${JSON.stringify(row)}\n`);
          rows.push(row);
        }
      }
    } finally {
      await stack.stop();
    }
  }
  process.stdout.write(
    "\n| fan-out | clients | concurrency | writes | write p50 ms | p95 | p99 | writes/s | delivered to all p50 ms | p99 |\n|---|---|---|---|---|---|---|---|---|---|\n",
  );
  for (const row of rows) {
    process.stdout.write(
      `| ${row.fanout} | ${row.connections} | ${row.concurrency} | ${row.writes} | ${ms(row.p50)} | ${ms(row.p95)} | ${ms(row.p99)} | ${row.writesPerSec.toFixed(0)} | ${ms(row.deliveryP50)} | ${ms(row.deliveryP99)} |\n`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

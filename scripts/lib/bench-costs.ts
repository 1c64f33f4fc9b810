// npm run bench -- --costs: what the audit trail and the rate limiter cost. The same scenarios run
// against two stacks started alike but for two settings: "on" (audit rows written, every request
// counted in Redis against budgets too large to refuse anything) and "off" (AUDIT_WRITES=off,
// RATE_LIMITS=off). Rounds alternate on/off so a machine getting busier shifts both sides alike;
// each side reports its median over the rounds. Targets (issue 14): the audit adds at most 15% to
// create/update p99, the limiter costs at most 5% of get throughput.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startStack } from "../../functions/test/support/stack";
import { type BenchOptions, benchStack, migrateDatabase, type Row } from "./bench";

type Side = "on" | "off";

const SIDES: Record<Side, Record<string, string>> = {
  on: {
    AUDIT_WRITES: "on",
    RATE_LIMITS: "on",
    // Counted like any request, never refused: the bench is one actor sending thousands a second.
    RATE_LIMIT_READ: "1000000000",
    RATE_LIMIT_WRITE: "1000000000",
  },
  off: { AUDIT_WRITES: "off", RATE_LIMITS: "off" },
};

const SCENARIOS = /^(get by random id|create|update)$/;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

export async function benchCosts(options: BenchOptions & { rounds: number }): Promise<string> {
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  const lambdaUrl = `http://127.0.0.1:${options.lambdaPort}`;
  await migrateDatabase(options.databaseUrl);
  const runs: Record<Side, Row[][]> = { on: [], off: [] };
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const side of round % 2 === 1 ? (["on", "off"] as const) : (["off", "on"] as const)) {
      process.stderr.write(`round ${round}: audit and limiter ${side}\n`);
      const stack = await startStack({
        apiPort: options.apiPort,
        lambdaPort: options.lambdaPort,
        env: {
          ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
          ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
          ...SIDES[side],
        },
      });
      try {
        const result = await benchStack("inprocess", apiUrl, lambdaUrl, {
          ...options,
          only: SCENARIOS,
          floor: false,
          skipIndexWait: true,
        });
        runs[side].push(result.rows);
      } finally {
        await stack.stop();
      }
    }
  }
  const table = costsTable(runs, options);
  await mkdir(options.outDir, { recursive: true });
  await writeFile(path.join(options.outDir, "costs.md"), `${table}\n`);
  await writeFile(path.join(options.outDir, "costs.json"), JSON.stringify(runs, null, 2));
  return table;
}

export interface CostsMeta {
  count: number;
  connections: number;
  durationSec: number;
  rounds: number;
}

/**
 * The comparison table. Throughput is judged as a share of the same run's ping (the repo's rule
 * for a shared, noisy machine: ratios against an empty handler in the same run), p99 as measured.
 */
export function costsTable(runs: Record<Side, Row[][]>, meta: CostsMeta): string {
  const rowOf = (rows: Row[], scenario: string) => rows.find((row) => row.scenario === scenario);
  const stat = (side: Side, scenario: string, pick: (row: Row, ping: Row) => number) =>
    median(
      runs[side].flatMap((rows) => {
        const row = rowOf(rows, scenario);
        const ping = rowOf(rows, "ping");
        return row && ping ? [pick(row, ping)] : [];
      }),
    );
  const errors = (side: Side, scenario: string) =>
    runs[side].reduce((sum, rows) => {
      const row = rowOf(rows, scenario);
      return sum + (row ? row.errors + row.non2xx : 0);
    }, 0);
  const pct = (on: number, off: number) => (off === 0 ? 0 : Math.round(((on - off) / off) * 1000) / 10);
  const share = (row: Row, ping: Row) => (ping.reqPerSec > 0 ? row.reqPerSec / ping.reqPerSec : 0);
  const lines = [
    `**Cost of the audit trail and the rate limiter** — ${meta.count.toLocaleString("en-US")} tasks, in-process, ${meta.connections} connections, ${meta.durationSec} s per scenario, median of ${meta.rounds} alternating rounds per side, ${new Date().toISOString().slice(0, 16)}Z`,
    "",
    "| scenario | req/s on | req/s off | vs ping on | vs ping off | change vs ping | p99 ms on | p99 ms off | p99 change | errors on/off | target | met |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const scenario of ["ping", "get by random id", "create", "update"]) {
    const rateOn = stat("on", scenario, (row) => row.reqPerSec);
    const rateOff = stat("off", scenario, (row) => row.reqPerSec);
    const shareOn = stat("on", scenario, share);
    const shareOff = stat("off", scenario, share);
    const p99On = stat("on", scenario, (row) => row.p99);
    const p99Off = stat("off", scenario, (row) => row.p99);
    const shareChange = pct(shareOn, shareOff);
    const p99Change = pct(p99On, p99Off);
    let target = "";
    let met = "";
    if (scenario === "get by random id") {
      target = "limiter costs <= 5% of req/s (vs ping)";
      met = shareChange >= -5 ? "yes" : `**no**: ${shareChange}%`;
    } else if (scenario === "create" || scenario === "update") {
      target = "audit adds <= 15% to p99";
      met = p99Change <= 15 ? "yes" : `**no**: +${p99Change}%`;
    }
    const percent = (value: number) => `${Math.round(value * 100)}%`;
    lines.push(
      `| ${scenario} | ${Math.round(rateOn).toLocaleString("en-US")} | ${Math.round(rateOff).toLocaleString("en-US")} | ${percent(shareOn)} | ${percent(shareOff)} | ${shareChange}% | ${p99On} | ${p99Off} | ${p99Change > 0 ? "+" : ""}${p99Change}% | ${errors("on", scenario)}/${errors("off", scenario)} | ${target} | ${met} |`,
    );
  }
  return lines.join("\n");
}

// Times the list function's handler in-process (no HTTP, no serverless-offline) over every sort
// key and direction at several depths, by position (offset) and by keyset cursor. This isolates
// the handler's own cost: what a Lambda bills, whatever the runtime in front of it.
import type { Context } from "aws-lambda";
import { SORT_KEYS } from "#contract/constants";
import { handler as listTasks } from "../../functions/src/handlers/list-tasks";
import { query } from "../../functions/src/platform/db";

export interface TimingRow {
  sort: string;
  access: string;
  depth: number;
  p50: number;
  p99: number;
  max: number;
}

const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

async function invokeList(
  params: Record<string, string>,
): Promise<{ ms: number; body: { nextCursor: string | null } }> {
  const event = {
    rawPath: "/tasks",
    queryStringParameters: params,
    headers: {},
    requestContext: { http: { method: "GET", path: "/tasks" }, requestId: "timing" },
  };
  const started = performance.now();
  const result = (await listTasks(event as unknown as Parameters<typeof listTasks>[0], context)) as {
    statusCode: number;
    body: string;
  };
  const ms = performance.now() - started;
  if (result.statusCode !== 200) throw new Error(`list answered ${result.statusCode}: ${result.body}`);
  return { ms, body: JSON.parse(result.body) };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export async function timeListHandler(repetitions: number): Promise<TimingRow[]> {
  const total = Number((await query<{ n: string }>("select count(*) as n from tasks")).rows[0]?.n ?? 0);
  const depths = [0, 1_000, Math.floor(total / 2), Math.max(0, total - 60)];
  const rows: TimingRow[] = [];
  for (const key of SORT_KEYS) {
    for (const sort of [key, `-${key}`]) {
      for (const depth of depths) {
        const byOffset: number[] = [];
        const byCursor: number[] = [];
        for (let i = 0; i < repetitions; i += 1) {
          const jump = await invokeList({ sort, offset: String(depth), limit: "50" });
          byOffset.push(jump.ms);
          if (jump.body.nextCursor) {
            byCursor.push((await invokeList({ sort, cursor: jump.body.nextCursor, limit: "50" })).ms);
          }
        }
        for (const [access, samples] of [
          ["offset", byOffset],
          ["cursor", byCursor],
        ] as const) {
          if (samples.length === 0) continue;
          const sorted = [...samples].sort((a, b) => a - b);
          rows.push({
            sort,
            access,
            depth,
            p50: percentile(sorted, 0.5),
            p99: percentile(sorted, 0.99),
            max: sorted.at(-1) ?? 0,
          });
        }
      }
    }
  }
  return rows;
}

export function timingTable(rows: TimingRow[]): string {
  const lines = ["| sort | access | depth | p50 ms | p99 ms | max ms |", "|---|---|---:|---:|---:|---:|"];
  for (const row of rows) {
    lines.push(
      `| ${row.sort} | ${row.access} | ${row.depth.toLocaleString("en-US")} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.max.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}

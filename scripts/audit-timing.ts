// npm run bench:audit -- [--reps 500]: what the audit row adds to a create and an update, measured
// in-process against DATABASE_URL, paired and interleaved (each repetition times the write with
// the audit row and then without, alternating which goes first), so a machine that gets busier
// shifts both columns alike. The end-to-end view is `npm run bench -- --costs`; this isolates the
// database statement, which is all the audit changes.
import { parseArgs } from "node:util";
import { TASK_STATUSES } from "#contract/constants";
import { CreateTaskInput } from "#contract/schemas";
import { systemAuditContext } from "../functions/src/audit/context";
import { config } from "../functions/src/platform/config";
import { closePool } from "../functions/src/platform/db";
import { createTask, updateTask } from "../functions/src/tasks/repository";

const audit = systemAuditContext("bench-audit", {
  id: "bench-audit",
  name: "audit benchmark",
  role: "system",
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: "string", default: "500" } } });
  const reps = Number(values.reps);
  const samples = {
    create: { on: [] as number[], off: [] as number[] },
    update: { on: [] as number[], off: [] as number[] },
  };
  const seed = await createTask(CreateTaskInput.parse({ title: "audit timing" }), audit);
  for (let i = 0; i < reps; i += 1) {
    const order = i % 2 === 0 ? ([true, false] as const) : ([false, true] as const);
    for (const on of order) {
      // AUDIT_WRITES is read per statement; flipping it here is this script's whole point.
      config.AUDIT_WRITES = on;
      const side = on ? "on" : "off";
      samples.create[side].push(
        await timed(() => createTask(CreateTaskInput.parse({ title: `audit timing ${i}` }), audit)),
      );
      samples.update[side].push(
        await timed(() => updateTask(seed.id, { status: TASK_STATUSES[i % TASK_STATUSES.length] }, audit)),
      );
    }
  }
  config.AUDIT_WRITES = true;
  const lines = [
    `audit row cost, ${reps} paired repetitions, one connection, ${new Date().toISOString().slice(0, 16)}Z`,
    "",
    "| write | p50 ms on | p50 ms off | p99 ms on | p99 ms off | p99 change |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const write of ["create", "update"] as const) {
    const { on, off } = samples[write];
    const [p50On, p50Off, p99On, p99Off] = [
      percentile(on, 50),
      percentile(off, 50),
      percentile(on, 99),
      percentile(off, 99),
    ];
    const change = Math.round(((p99On - p99Off) / p99Off) * 1000) / 10;
    lines.push(
      `| ${write} | ${p50On.toFixed(2)} | ${p50Off.toFixed(2)} | ${p99On.toFixed(2)} | ${p99Off.toFixed(2)} | ${change > 0 ? "+" : ""}${change}% |`,
    );
  }
  console.log(lines.join("\n"));
  await closePool();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// npm run bench:handler -- [--count 100000] [--reps 20]: the list handler's own time at every depth
// and sort key, in-process against DATABASE_URL. Loads synthetic rows with SQL when fewer exist.
import { parseArgs } from "node:util";
import { closePool, query } from "../functions/src/platform/db";
import { rebuildFences } from "../functions/src/tasks/upkeep";
import { timeListHandler, timingTable } from "./lib/handler-timing";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: "string", default: "100000" }, reps: { type: "string", default: "20" } },
  });
  const wanted = Number(values.count);
  const have = Number((await query<{ n: string }>("select count(*) as n from tasks")).rows[0]?.n ?? 0);
  if (have < wanted) {
    console.log(`loading ${wanted - have} synthetic tasks...`);
    await query(
      `insert into tasks (title, status, priority, assignee, tags, due_at, created_at, updated_at)
       select 'Task ' || md5(g::text), (array['todo','in_progress','blocked','done'])[1 + g % 4], (g % 4)::int2,
              'user' || (g % 500), array['tag' || (g % 40)],
              case when g % 5 = 0 then null else now() + (g % 1000) * interval '1 hour' end,
              now() - (g % 100000) * interval '1 second', now() - (g % 50000) * interval '1 second'
       from generate_series(1, $1) g`,
      [wanted - have],
    );
    await query("vacuum analyze tasks");
  }
  await rebuildFences();
  const rows = await timeListHandler(Number(values.reps));
  console.log(timingTable(rows));
  const worst = Math.max(...rows.map((row) => row.p99));
  console.log(
    `\nworst p99 over ${rows.length} cases: ${worst.toFixed(2)} ms (${Math.max(have, wanted)} tasks)`,
  );
  await closePool();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

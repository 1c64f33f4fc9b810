// npm run bench -- --topology single|cluster|replica|all: the same scenarios over one Redis
// (REDIS_URL), over a local 3+3 Redis Cluster (scripts/lib/redis-cluster.ts), and with a streaming
// replica serving GETs (scripts/lib/pg-replica.ts), all over one private PostgreSQL primary with
// that replica attached. One stack (in-process) per topology on the bench's ports; a table of req/s,
// p99 and the share of ping per topology.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { type BenchOptions, bench, type ModeResult } from "./bench";
import { type LocalReplication, startLocalReplication } from "./pg-replica";
import { startLocalCluster } from "./redis-cluster";

export type Topology = "single" | "cluster" | "replica";

export interface TopologyOptions extends BenchOptions {
  topologies: Topology[];
  clusterBasePort: number;
  replicaPort: number;
}

const log = (message: string) => process.stderr.write(`${message}\n`);

/**
 * Limits stay on (their Redis round trip is part of every request's cost) with budgets no benchmark
 * reaches: one actor at hundreds of requests a second would otherwise be measuring 429s.
 */
const UNREACHABLE_LIMITS = { RATE_LIMIT_READ: "1000000000", RATE_LIMIT_WRITE: "1000000000" };

async function benchTopology(
  topology: Topology,
  options: TopologyOptions,
  replication: LocalReplication,
): Promise<ModeResult> {
  // Every topology runs over the same private PostgreSQL (the replica's primary), so only the
  // topology differs between the columns, not the database server or its other tenants.
  const databaseUrl = replication.primaryUrl("postgres");
  const once = async (overrides: Partial<BenchOptions>) => {
    const stackEnv = { ...UNREACHABLE_LIMITS, ...options.stackEnv, ...overrides.stackEnv };
    const [result] = await bench(
      { ...options, databaseUrl, ...overrides, stackEnv, modes: ["inprocess"] },
      false,
    );
    if (!result) throw new Error(`no result for ${topology}`);
    return result;
  };
  if (topology === "single") return once({});
  if (topology === "cluster") {
    log(`[topology] Redis Cluster on ${options.clusterBasePort}-${options.clusterBasePort + 5}`);
    const cluster = await startLocalCluster(options.clusterBasePort);
    try {
      return await once({ redisUrl: cluster.url });
    } finally {
      await cluster.stop();
    }
  }
  log("[topology] GETs on the streaming replica");
  return once({ stackEnv: { DATABASE_READ_URL: replication.replicaUrl("postgres") } });
}

export async function benchTopologies(options: TopologyOptions): Promise<string> {
  const results = new Map<Topology, ModeResult>();
  log(`[topology] PostgreSQL primary :${options.replicaPort}, streaming replica :${options.replicaPort + 1}`);
  const replication = await startLocalReplication(options.replicaPort, options.replicaPort + 1);
  try {
    for (const topology of options.topologies) {
      results.set(topology, await benchTopology(topology, options, replication));
    }
  } finally {
    await replication.stop();
  }
  const names = [...results.keys()];
  const first = results.get(names[0] ?? "single");
  const header = [
    `| scenario | ${names.map((name) => `${name} req/s | p99 ms | vs ping`).join(" | ")} |`,
    `|---|${names.map(() => "---:|---:|---:").join("|")}|`,
  ];
  const rows = (first?.rows ?? []).map((row) => {
    const cells = names.map((name) => {
      const found = results.get(name)?.rows.find((other) => other.scenario === row.scenario);
      if (!found) return " | | ";
      const errors = found.errors + found.non2xx;
      return `${found.reqPerSec.toLocaleString("en-US")}${errors ? ` (${errors} errors)` : ""} | ${found.p99} | ${found.ratio === null ? "" : `${Math.round(found.ratio * 100)}%`}`;
    });
    return `| ${row.scenario} | ${cells.join(" | ")} |`;
  });
  const load = names
    .map((name) => {
      const machine = results.get(name)?.machine;
      return `${name} ${machine?.loadavgBefore.map((v) => v.toFixed(1)).join("/")}`;
    })
    .join(", ");
  const table = [
    `**Topologies** — ${first?.count.toLocaleString("en-US")} tasks, ${options.connections} connections, ${options.durationSec} s per scenario, in-process, ${new Date().toISOString().slice(0, 16)}Z; load average before each: ${load}. Every server shares the same cores: compare within a column against ping, not across machines.`,
    "",
    ...header,
    ...rows,
  ].join("\n");
  await mkdir(options.outDir, { recursive: true });
  await writeFile(path.join(options.outDir, "topologies.md"), `${table}\n`);
  await writeFile(
    path.join(options.outDir, "latest-topologies.json"),
    JSON.stringify(Object.fromEntries(results), null, 2),
  );
  return table;
}

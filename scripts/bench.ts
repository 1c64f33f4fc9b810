// npm run bench [-- --count 1000000 --duration 10 --mode inprocess|worker|both --only search --redis-down --no-floor --profile]
// npm run bench -- --costs [--rounds 2]: the audit trail's and the rate limiter's cost, on vs off.
// npm run bench -- --topology single|cluster|replica|all: one Redis and PostgreSQL, a local Redis
// Cluster, a primary with a streaming replica, side by side (scripts/lib/bench-topology.ts).
// npm run bench -- --ops [--rounds 2]: the operations figures' cost, on vs off, and the hit ratio's
// recovery after a FLUSHDB of REDIS_URL's database with and without warm caching.
// Uses the stack answering on API_PORT (default 3000) when no --mode is given, else starts
// serverless-offline in each mode on API_PORT/LAMBDA_PORT. Seeds --count tasks when the table holds
// a different number. --redis-down measures reads and writes again with REDIS_URL at a dead port,
// next to the same scenarios with Redis up. Tables on stdout; JSON and README-tables.md under
// bench-results/.
import path from "node:path";
import { parseArgs } from "node:util";
import { bench, type Mode } from "./lib/bench";
import { benchCosts } from "./lib/bench-costs";
import { benchOps } from "./lib/bench-ops";
import { benchTopologies, type Topology } from "./lib/bench-topology";

const { values: flags } = parseArgs({
  options: {
    count: { type: "string", default: "1000000" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "10" },
    mode: { type: "string" },
    only: { type: "string" },
    reseed: { type: "boolean", default: false },
    costs: { type: "boolean", default: false },
    ops: { type: "boolean", default: false },
    rounds: { type: "string", default: "2" },
    "redis-down": { type: "boolean", default: false },
    topology: { type: "string" },
    "no-floor": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    out: { type: "string", default: "bench-results" },
  },
});

const modes: Mode[] =
  flags.mode === undefined
    ? []
    : flags.mode === "both"
      ? ["inprocess", "worker"]
      : flags.mode === "inprocess" || flags.mode === "worker"
        ? [flags.mode]
        : (() => {
            console.error(`--mode must be inprocess, worker or both, not ${flags.mode}`);
            return process.exit(2);
          })();

const options = {
  count: Number(flags.count.replaceAll("_", "")),
  durationSec: Number(flags.duration),
  warmupSec: Number(flags.warmup),
  connections: Number(flags.connections),
  modes,
  apiPort: Number(process.env.API_PORT ?? 3000),
  lambdaPort: Number(process.env.LAMBDA_PORT ?? 3002),
  databaseUrl: process.env.DATABASE_URL,
  redisUrl: process.env.REDIS_URL,
  outDir: path.resolve(__dirname, "..", flags.out),
  only: flags.only ? new RegExp(flags.only, "i") : undefined,
  reseed: flags.reseed,
  redisDown: flags["redis-down"],
  floor: !flags["no-floor"],
  profile: flags.profile,
};

const TOPOLOGIES: Topology[] = ["single", "cluster", "replica"];
const topologies =
  flags.topology === undefined
    ? []
    : flags.topology === "all"
      ? TOPOLOGIES
      : flags.topology.split(",").map((name) => {
          if (!(TOPOLOGIES as string[]).includes(name)) {
            console.error(`--topology takes single, cluster, replica or all (comma-separated), not ${name}`);
            process.exit(2);
          }
          return name as Topology;
        });

(topologies.length > 0
  ? benchTopologies({
      ...options,
      // The single-node run is the baseline every topology is read against: always measured alongside.
      topologies: topologies.includes("single") ? topologies : ["single", ...topologies],
      clusterBasePort: Number(process.env.REDIS_CLUSTER_BASE_PORT ?? 7100),
      replicaPort: Number(process.env.REPLICA_PG_PORT ?? 4990),
    }).then((table) => process.stdout.write(`\n${table}\n`))
  : flags.costs || flags.ops
    ? (flags.ops ? benchOps : benchCosts)({ ...options, rounds: Number(flags.rounds) }).then((table) =>
        process.stdout.write(`\n${table}\n`),
      )
    : bench(options)
).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

// `npm run test:cluster`: starts a 3-primary, 3-replica Redis Cluster (scripts/lib/redis-cluster.ts,
// ports REDIS_CLUSTER_BASE_PORT..+5, default 7100-7105) and runs the cache, coherence, outage,
// live-update and rate-limit suites against it with REDIS_URL=redis+cluster://..., then the
// failover test (functions/test/cluster/). PostgreSQL is DATABASE_URL's, as for `npm test`.
import { spawn } from "node:child_process";
import { ensureRedisServerBinary } from "../functions/test/support/ensure-services";
import { startLocalCluster } from "./lib/redis-cluster";

const SUITES: [project: string, files: string[]][] = [
  [
    "integration",
    [
      "functions/test/integration/cache-coherence.test.ts",
      "functions/test/integration/cache-identity.test.ts",
      "functions/test/integration/cache-write-edges.test.ts",
      "functions/test/integration/cache-outage.test.ts",
      "functions/test/integration/redis-down.test.ts",
      "functions/test/integration/rate-limit.test.ts",
      "functions/test/integration/rate-limit-redis-down.test.ts",
    ],
  ],
  [
    "contract",
    [
      "functions/test/contract/live-updates.test.ts",
      "functions/test/contract/cache-two-databases.test.ts",
      "functions/test/contract/http-routes.test.ts",
    ],
  ],
];

function vitest(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("npx", ["--no-install", "vitest", "run", ...args], { stdio: "inherit", env });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const basePort = Number(process.env.REDIS_CLUSTER_BASE_PORT ?? 7100);
  // redis-server and redis-cli from Debian when missing, as `npm test` does.
  await ensureRedisServerBinary();
  console.log(`[cluster] starting 3 primaries + 3 replicas on ${basePort}-${basePort + 5}`);
  const cluster = await startLocalCluster(basePort);
  const stopOnSignal = () => {
    void cluster.stop().then(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal).once("SIGTERM", stopOnSignal);
  const env = {
    ...process.env,
    REDIS_URL: cluster.url,
    REDIS_CLUSTER_PORTS: cluster.ports.join(","),
  };
  try {
    let failed = 0;
    // `-- --failover-only`: just the failover test; `-- --only live`: the suite files matching "live".
    const only = process.argv[process.argv.indexOf("--only") + 1];
    const suites: typeof SUITES = process.argv.includes("--failover-only")
      ? []
      : process.argv.includes("--only") && only
        ? SUITES.map(([project, files]) => [project, files.filter((file) => file.includes(only))])
        : SUITES;
    for (const [project, files] of suites.filter(([, files]) => files.length > 0)) {
      console.log(`[cluster] ${project}: ${files.length} files against ${cluster.url}`);
      if ((await vitest(["--project", project, ...files], env)) !== 0) failed += 1;
    }
    if (!process.argv.includes("--only")) {
      console.log("[cluster] failover under load");
      if ((await vitest(["--config", "functions/test/cluster/vitest.config.mts"], env)) !== 0) failed += 1;
    }
    return failed === 0 ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

// A local Redis Cluster from plain redis-server processes: 3 primaries and 3 replicas on six
// consecutive ports, data in a temp dir, no persistence, a 1 s node timeout so a failover takes
// about two seconds. `npm run test:cluster` and `npm run bench -- --topology cluster` use it.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { redisAnswers } from "./redis-probe";

const run = promisify(execFile);

export interface LocalCluster {
  ports: number[];
  /** `redis+cluster://127.0.0.1:<first port>`: what REDIS_URL takes. */
  url: string;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `redis-cli -p port args...`: its output. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
    timeout: 5_000,
  });
  return stdout;
}

/** Waits until every node reports the cluster ok and each primary has its replica online. */
export async function waitForHealthyCluster(ports: number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const healthy = await Promise.all(
      ports.map(async (port) => {
        try {
          const info = await cli(port, "cluster", "info");
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          const replication = await cli(port, "info", "replication");
          if (/role:master/.test(replication)) return /connected_slaves:[1-9]/.test(replication);
          return /master_link_status:up/.test(replication);
        } catch {
          return false;
        }
      }),
    );
    if (healthy.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error(`the Redis Cluster on ${ports.join(",")} did not become healthy`);
    await sleep(200);
  }
}

export async function startLocalCluster(basePort: number): Promise<LocalCluster> {
  const ports = Array.from({ length: 6 }, (_, i) => basePort + i);
  for (const port of ports) {
    if (await redisAnswers("127.0.0.1", port)) throw new Error(`something already answers on :${port}`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "mt-redis-cluster-"));
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${port}.conf`,
        "--cluster-node-timeout",
        "1000",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory",
        "256mb",
        "--maxmemory-policy",
        "allkeys-lfu",
      ],
      { stdio: "ignore" },
    ),
  );
  const stop = async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await sleep(100);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const deadline = Date.now() + 10_000;
      while (!(await redisAnswers("127.0.0.1", port))) {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on :${port}`);
        await sleep(50);
      }
    }
    await run(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...ports.map((port) => `127.0.0.1:${port}`),
        "--cluster-replicas",
        "1",
        "--cluster-yes",
      ],
      { timeout: 30_000 },
    );
    await waitForHealthyCluster(ports);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, url: `redis+cluster://127.0.0.1:${basePort}`, stop };
}

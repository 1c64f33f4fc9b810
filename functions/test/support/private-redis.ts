// A private redis-server a test may kill, pause and restart (never the shared one). Imports nothing
// from the functions, so a test can start it before the cache module reads its configuration.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`redis-server did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  return port;
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL: the server and everything in it are gone. */
  kill: () => Promise<void>;
  /** Starts a fresh (empty) server on the same port. */
  start: () => Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its data but stops answering, like a stalled host. */
  pause: () => void;
  resume: () => void;
}

/** `port`: a fixed one (a range of one's own on a shared machine); otherwise any free port. */
export async function startPrivateRedis(extraArgs: string[] = [], fixedPort?: number): Promise<PrivateRedis> {
  const port = fixedPort ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extraArgs],
      { stdio: "ignore" },
    );
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect({ port, host: "127.0.0.1" }, () => {
            socket.destroy();
            resolve(true);
          });
          socket.on("error", () => resolve(false));
        }),
      5_000,
    );
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null) return;
    const exited = once(current, "exit");
    current.kill("SIGCONT");
    current.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    kill,
    start,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
  };
}

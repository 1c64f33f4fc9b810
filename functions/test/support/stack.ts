// Starts the functions under serverless-offline for contract, Lambda-invoke and browser tests,
// exactly as `npm start` runs them, on the test ports, and stops the whole process group after.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { appendFileSync } from "node:fs";
import path from "node:path";
import { devAuthEnv } from "../../../scripts/lib/dev-keys";

export interface Stack {
  apiUrl: string;
  lambdaUrl: string;
  wsUrl: string;
  stop: () => Promise<void>;
}

export interface StackOptions {
  apiPort: number;
  lambdaPort: number;
  /** serverless-offline's WebSocket port (live updates); default lambdaPort + 2, clear of a dev stack. */
  wsPort?: number;
  env: Record<string, string>;
  /** serverless-offline's in-process mode instead of a worker thread per invocation. */
  inProcess?: boolean;
  timeoutMs?: number;
}

const ROOT = path.resolve(__dirname, "../../..");

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serverless-offline exited (${child.exitCode}):\n${log()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`serverless-offline did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const wsPort = options.wsPort ?? options.lambdaPort + 2;
  const args = ["serverless", "offline", "start", ...(options.inProcess === false ? [] : ["--useInProcess"])];
  const child = spawn("npx", ["--no-install", ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      // The checkout's development key set and control secret, as `npm start` passes them.
      ...devAuthEnv(),
      // Up to four stacks run at once (contract, browser, two databases), each function with its own
      // pools: at the dev stage's 10 per pool they exhausted PostgreSQL's 100 connections (503s).
      PG_POOL_MAX: "2",
      ...options.env,
      API_PORT: String(options.apiPort),
      LAMBDA_PORT: String(options.lambdaPort),
      WS_PORT: String(wsPort),
      LOG_REQUESTS: "false",
      // serverless-offline's own lines per request (route, duration) cost ~7% of its CPU under
      // load (issue 15's profile); warnings and errors still show.
      SLS_LOG_LEVEL: process.env.SLS_LOG_LEVEL ?? "warning",
      SLS_TELEMETRY_DISABLED: "1",
      SLS_NOTIFICATIONS_MODE: "off",
    },
  });
  let output = "";
  // TEST_STACK_LOG=<file>: every stack's whole output appended there (diagnosing a failed run).
  const logFile = process.env.TEST_STACK_LOG;
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let stopping = false;
  // A stack that dies while tests still use it leaves only "fetch failed" behind; say why it died.
  child.on("exit", (code, signal) => {
    if (stopping) return;
    process.stderr.write(
      `\nserverless-offline on :${options.apiPort} exited unexpectedly (code ${code}, signal ${signal}). Its last output:\n${output}\n`,
    );
  });
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  const stop = async () => {
    stopping = true;
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = once(child, "exit");
    process.kill(-child.pid, "SIGTERM");
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHttp(`${apiUrl}/ping`, child, options.timeoutMs ?? 90_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    apiUrl,
    lambdaUrl: `http://127.0.0.1:${options.lambdaPort}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    stop,
  };
}

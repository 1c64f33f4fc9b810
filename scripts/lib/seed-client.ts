// Drives the seed function through the Lambda Invoke API (serverless-offline locally, AWS Lambda
// the same way): begin, the chunks (two at a time), then each phase of steps. Every invocation is
// a few seconds, far inside the function timeout. Used by `npm run seed` and `npm run bench`.
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
import { controlClientContext } from "../../functions/src/platform/control-plane";
import type { ChunkResult, SeedMemory, SeedPlan, StepResult } from "../../functions/src/seed/input";
import { mapConcurrent } from "../../functions/src/seed/input";
import { controlSecret } from "./dev-keys";
import { formatDuration, ProgressBar } from "./progress";

export interface SeedClientOptions {
  /** Lambda Invoke API endpoint, e.g. http://127.0.0.1:3002 (serverless-offline's default). */
  endpoint: string;
  functionName: string;
  /** The local control-plane secret; default CONTROL_SECRET or .data/auth/control-secret. */
  controlSecret?: string;
  /** Longest an invocation may take before the client gives up (the function's timeout). */
  invokeTimeoutMs?: number;
}

export interface SeedRequest {
  count: number;
  truncate: boolean;
  seed: number;
  anchor?: string;
  chunkRows?: number;
  /** Invocations in flight at once (chunks, then the steps of a phase). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Progress on stderr; off for callers that print their own. */
  progress?: boolean;
}

export interface SeedSummary {
  plan: SeedPlan;
  rows: number;
  totalMs: number;
  loadMs: number;
  indexMs: number;
  finishMs: number;
  swap: Record<string, unknown> | undefined;
  /** Highest peak rss any invocation reported, and the rss its process started the invocation with. */
  memory: SeedMemory;
  steps: { step: string; ms: number }[];
}

/** The Lambda endpoint does not answer: the stack is not running (or not on that port). */
export class StackNotRunningError extends Error {}
/** The function answered with an error (FunctionError), carrying its message. */
export class SeedFunctionError extends Error {}
/** Ctrl-C (or the signal) stopped the load; the table is as it was before. */
export class SeedAbortedError extends Error {}

function errorChain(error: unknown): { code?: string; name?: string; message?: string }[] {
  const chain: { code?: string; name?: string; message?: string }[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    chain.push(current as { code?: string });
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

export class SeedClient {
  private readonly lambda: LambdaClient;

  constructor(private readonly options: SeedClientOptions) {
    this.lambda = new LambdaClient({
      endpoint: options.endpoint,
      region: "us-east-1",
      // serverless-offline ignores credentials but the SDK insists on having some.
      credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
      // A retried chunk would be skipped (chunks are claimed), but a retry hides the real error.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: options.invokeTimeoutMs ?? 900_000 },
    });
  }

  async invoke<T>(payload: Record<string, unknown>): Promise<T> {
    let response: InvokeCommandOutput;
    try {
      response = await this.lambda.send(
        new InvokeCommand({
          FunctionName: this.options.functionName,
          Payload: Buffer.from(JSON.stringify(payload)),
          ClientContext: controlClientContext(this.options.controlSecret ?? controlSecret()),
        }),
      );
    } catch (error) {
      const chain = errorChain(error);
      if (chain.some((e) => ["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH"].includes(e.code ?? ""))) {
        throw new StackNotRunningError(
          `Nothing answers the Lambda Invoke API at ${this.options.endpoint}. Start the stack first ` +
            "(`npm start`, which serves it on :3002) or point LAMBDA_ENDPOINT at a running one.",
        );
      }
      if (chain.some((e) => e.name === "ResourceNotFoundException")) {
        throw new StackNotRunningError(
          `The Lambda endpoint at ${this.options.endpoint} has no function ${this.options.functionName}: ` +
            "is it this project's stack (serverless.yml registers `seed`)?",
        );
      }
      throw error;
    }
    const text = Buffer.from(response.Payload ?? new Uint8Array()).toString("utf8");
    if (response.FunctionError) {
      let message = text;
      try {
        message = (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
      } catch {
        // not JSON: keep the raw text
      }
      throw new SeedFunctionError(message);
    }
    return JSON.parse(text) as T;
  }

  /** begin -> chunks -> phases; aborts the load (nothing visible changes) on error or signal. */
  async seed(request: SeedRequest): Promise<SeedSummary> {
    const started = performance.now();
    const concurrency = request.concurrency ?? 2;
    const { signal } = request;
    const plan = await this.invoke<SeedPlan>({
      action: "begin",
      count: request.count,
      truncate: request.truncate,
      seed: request.seed,
      ...(request.anchor ? { anchor: request.anchor } : {}),
      ...(request.chunkRows ? { chunkRows: request.chunkRows } : {}),
    });
    const memory: SeedMemory = { rssPeakMb: 0, rssStartMb: 0, heapUsedPeakMb: 0 };
    const note = (reported: SeedMemory) => {
      if (reported.rssPeakMb > memory.rssPeakMb) Object.assign(memory, reported);
    };
    // Ctrl-C aborts at once: the abort cancels the statements of invocations still running, so
    // nothing waits for a chunk or an index build to finish first.
    let stopped = false;
    let aborting: Promise<{ state: string }> | undefined;
    const abort = () => {
      stopped = true;
      aborting ??= this.invoke<{ state: string }>({ action: "abort", loadId: plan.loadId }).catch(
        (abortError: unknown) => ({ state: `unknown (abort failed: ${String(abortError)})` }),
      );
      return aborting;
    };
    signal?.addEventListener("abort", abort, { once: true });
    const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (stopped || signal?.aborted) throw new SeedAbortedError("Seed interrupted");
      try {
        return await fn();
      } catch (error) {
        stopped = true;
        throw error;
      }
    };
    const steps: { step: string; ms: number }[] = [];
    let swap: Record<string, unknown> | undefined;
    let loadMs = 0;
    let indexMs = 0;
    try {
      const bar =
        request.progress === false
          ? undefined
          : new ProgressBar({ total: plan.count, label: "load ", unit: "rows" });
      const chunks = Array.from({ length: plan.chunks }, (_, chunk) => chunk);
      await mapConcurrent(chunks, concurrency, (chunk) =>
        guarded(async () => {
          const result = await this.invoke<ChunkResult>({ action: "load", loadId: plan.loadId, chunk });
          note(result.memory);
          bar?.tick(Math.min(plan.chunkRows, plan.count - chunk * plan.chunkRows));
        }),
      );
      bar?.finish();
      loadMs = performance.now() - started;
      const totalSteps = plan.phases.reduce((sum, phase) => sum + phase.length, 0);
      const stepBar =
        request.progress === false
          ? undefined
          : new ProgressBar({ total: totalSteps, label: "build", unit: "steps" });
      for (const phase of plan.phases) {
        const phaseStarted = performance.now();
        await mapConcurrent(phase, concurrency, (step) =>
          guarded(async () => {
            const result = await this.invoke<StepResult>({ action: "step", loadId: plan.loadId, step });
            note(result.memory);
            steps.push({ step: result.step, ms: result.ms });
            if (result.finished) swap = result.detail;
            stepBar?.tick(1, `${step} ${formatDuration(result.ms)}`);
          }),
        );
        if (phase[0]?.startsWith("index:")) indexMs = performance.now() - phaseStarted;
      }
      stepBar?.finish(`done in ${formatDuration(performance.now() - started)}`);
    } catch (error) {
      if (request.progress !== false) process.stderr.write("\n");
      const outcome = await abort();
      // The last step committed before the abort reached it: the load is complete after all.
      if (outcome.state === "done") return this.summary(plan, started, loadMs, indexMs, swap, memory, steps);
      if (error instanceof SeedAbortedError || signal?.aborted) {
        throw new SeedAbortedError(`Seed interrupted: load ${plan.loadId} ${outcome.state}, tasks unchanged`);
      }
      throw error;
    } finally {
      signal?.removeEventListener("abort", abort);
    }
    return this.summary(plan, started, loadMs, indexMs, swap, memory, steps);
  }

  private summary(
    plan: SeedPlan,
    started: number,
    loadMs: number,
    indexMs: number,
    swap: Record<string, unknown> | undefined,
    memory: SeedMemory,
    steps: { step: string; ms: number }[],
  ): SeedSummary {
    const totalMs = performance.now() - started;
    return {
      plan,
      rows: plan.count,
      totalMs: Math.round(totalMs),
      loadMs: Math.round(loadMs),
      indexMs: Math.round(indexMs),
      finishMs: Math.round(totalMs - loadMs),
      swap,
      memory,
      steps,
    };
  }

  destroy(): void {
    this.lambda.destroy();
  }
}

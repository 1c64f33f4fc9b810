// Input of the seed function. A small load runs in one invocation (`{ count, truncate?, seed? }`);
// large ones are driven by `npm run seed` as begin -> load chunks -> steps, so that every invocation
// stays far inside the function timeout. Shared by the handler and the CLI (no I/O here).
import * as z from "zod";

/** Rows per load invocation: ~1 s of generation and COPY on this 2-core box. */
export const DEFAULT_CHUNK_ROWS = 250_000;
/** Above this a one-shot invocation could approach the function timeout; use the chunked protocol. */
export const MAX_ONE_SHOT = 2_000_000;
export const MAX_COUNT = 100_000_000;

const count = z.number().int().min(0).max(MAX_COUNT);
const seed = z.number().int().min(0).max(2_147_483_647).default(1);
const loadId = z.string().regex(/^[a-z0-9]{6,32}$/, "must be a load id returned by begin");
const common = {
  truncate: z.boolean().default(false),
  seed,
  /** The instant generated dates are relative to; defaults to now (to the minute). */
  anchor: z.iso.datetime({ offset: true }).optional(),
  chunkRows: z.number().int().min(1_000).max(2_000_000).default(DEFAULT_CHUNK_ROWS),
};

export const SeedRun = z.strictObject({
  action: z.literal("run"),
  count: count.max(MAX_ONE_SHOT, `a one-shot seed is limited to ${MAX_ONE_SHOT} rows; use npm run seed`),
  ...common,
});
export const SeedBegin = z.strictObject({ action: z.literal("begin"), count, ...common });
export const SeedLoadChunk = z.strictObject({
  action: z.literal("load"),
  loadId,
  chunk: z.number().int().min(0),
});
export const SeedStep = z.strictObject({
  action: z.literal("step"),
  loadId,
  step: z.string().regex(/^[a-z]+(:[A-Za-z0-9_]+)?$/, "must be a step named by begin"),
});
export const SeedAbort = z.strictObject({ action: z.literal("abort"), loadId });

export const SeedInput = z.preprocess(
  (input) =>
    typeof input === "object" && input !== null && !("action" in input) ? { action: "run", ...input } : input,
  z.discriminatedUnion("action", [SeedRun, SeedBegin, SeedLoadChunk, SeedStep, SeedAbort]),
);
export type SeedInput = z.output<typeof SeedInput>;
export type SeedBegin = z.output<typeof SeedBegin>;

export interface SeedPlan {
  loadId: string;
  mode: "replace" | "append";
  count: number;
  seed: number;
  anchor: string;
  chunkRows: number;
  chunks: number;
  /** Steps after the chunks, phase by phase; the steps of one phase may run concurrently. */
  phases: string[][];
}

export interface SeedMemory {
  /** Peak process.memoryUsage().rss seen during the invocation, MB. */
  rssPeakMb: number;
  /** rss when the invocation started, MB (the runtime and everything loaded before). */
  rssStartMb: number;
  heapUsedPeakMb: number;
}

export interface ChunkResult {
  chunk: number;
  rows: number;
  skipped: boolean;
  ms: number;
  memory: SeedMemory;
}

export interface StepResult {
  step: string;
  ms: number;
  detail?: Record<string, unknown>;
  /** True for the step that made the load visible (swap, or append's last step). */
  finished: boolean;
  memory: SeedMemory;
}

export interface RunResult {
  plan: SeedPlan;
  rows: number;
  ms: number;
  loadMs: number;
  steps: Omit<StepResult, "memory">[];
  memory: SeedMemory;
}

/** Runs fn over items with at most `limit` in flight, results in item order; the first error wins. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

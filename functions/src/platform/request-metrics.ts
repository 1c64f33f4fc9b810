// Per-request timing of the database and the cache, carried by AsyncLocalStorage so that db.ts and
// the cache record what they spent without handlers passing anything around; http.ts turns it into
// the Server-Timing and X-Cache headers.
import { AsyncLocalStorage } from "node:async_hooks";

export type CacheOutcome = "hit" | "miss" | "partial" | "bypass";

export interface RequestMetrics {
  dbMs: number;
  cacheMs: number;
  outcomes: CacheOutcome[];
}

const storage = new AsyncLocalStorage<RequestMetrics>();

export const newMetrics = (): RequestMetrics => ({ dbMs: 0, cacheMs: 0, outcomes: [] });

export function withMetrics<T>(metrics: RequestMetrics, fn: () => Promise<T>): Promise<T> {
  return storage.run(metrics, fn);
}

export function recordDb(ms: number): void {
  const metrics = storage.getStore();
  if (metrics) metrics.dbMs += ms;
}

export function recordCache(ms: number): void {
  const metrics = storage.getStore();
  if (metrics) metrics.cacheMs += ms;
}

export function recordOutcome(outcome: CacheOutcome): void {
  storage.getStore()?.outcomes.push(outcome);
}

/** One word for the whole response: any bypass wins, then all-hit, all-miss, else partial. */
export function combineOutcomes(outcomes: CacheOutcome[]): CacheOutcome | undefined {
  if (outcomes.length === 0) return undefined;
  if (outcomes.includes("bypass")) return "bypass";
  if (outcomes.every((outcome) => outcome === "hit")) return "hit";
  if (outcomes.every((outcome) => outcome === "miss")) return "miss";
  return "partial";
}

export function metricsHeaders(metrics: RequestMetrics): Record<string, string> {
  const timing = [`db;dur=${metrics.dbMs.toFixed(1)}`];
  const outcome = combineOutcomes(metrics.outcomes);
  if (outcome !== undefined || metrics.cacheMs > 0) timing.push(`cache;dur=${metrics.cacheMs.toFixed(1)}`);
  return {
    "Server-Timing": timing.join(", "),
    ...(outcome === undefined ? {} : { "X-Cache": outcome }),
  };
}

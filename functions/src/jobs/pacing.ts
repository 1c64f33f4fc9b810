// How long a bulk job's lane rests after a chunk. A chunk keeps a core busy (its UPDATE writes
// every index of every row it changes); back to back on 2 cores the job left other users' queries
// one core, and their latency during a job rose to p50 11 ms and p99 44 ms (idle: 7 and 25).
// Resting in proportion to the work keeps the job's share of the machine near its duty whatever
// the machine's speed: at 0.6, p50 8 and p99 34 ms (`npm run bench:jobs`, README: bulk jobs).

/** Milliseconds to rest after a chunk that took `workedMs`, so work / (work + rest) = duty. */
export function restAfterChunk(workedMs: number, duty: number): number {
  if (!(duty > 0) || duty >= 1 || !(workedMs > 0)) return 0;
  return (workedMs * (1 - duty)) / duty;
}

// Fixed-bucket latency histograms: a request adds 1 to one bucket, histograms of many processes and
// slots add up field by field, and a percentile is read back by walking the counts. The buckets
// (contract/ops.ts) grow by ~25-50% each, so an estimate is within one bucket of the exact value.
import { LATENCY_BUCKETS_MS } from "#contract/ops";

export const BUCKET_COUNT = LATENCY_BUCKETS_MS.length + 1;

/** The bucket a latency falls in: the first whose upper bound is >= ms; the last for anything slower. */
export function bucketOf(ms: number): number {
  let low = 0;
  let high: number = LATENCY_BUCKETS_MS.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((LATENCY_BUCKETS_MS[middle] ?? Number.POSITIVE_INFINITY) >= ms) high = middle;
    else low = middle + 1;
  }
  return low;
}

const lowerBound = (bucket: number): number => (bucket === 0 ? 0 : (LATENCY_BUCKETS_MS[bucket - 1] ?? 0));
const upperBound = (bucket: number): number =>
  LATENCY_BUCKETS_MS[bucket] ?? (LATENCY_BUCKETS_MS.at(-1) ?? 0) * 2;

/**
 * The q-quantile (0 < q <= 1) of a histogram given as counts per bucket, interpolated linearly inside
 * the bucket that holds the rank; null for an empty histogram.
 */
export function percentile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let bucket = 0; bucket < counts.length; bucket += 1) {
    const n = counts[bucket] ?? 0;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const low = lowerBound(bucket);
      const high = upperBound(bucket);
      return Math.round((low + ((high - low) * (rank - seen)) / n) * 100) / 100;
    }
    seen += n;
  }
  return upperBound(counts.length - 1);
}

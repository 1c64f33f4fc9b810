// The live figures' latency histograms: fixed buckets that add up across processes and slots, read
// back as percentiles that must land within one bucket of the exact value.
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "#contract/ops";
import { BUCKET_COUNT, bucketOf, percentile } from "../../src/ops/histogram";
import { opsKeys } from "../../src/ops/keys";
import {
  canonicalQuery,
  flushOps,
  recordRequest,
  resetRecorder,
  roundPosition,
} from "../../src/ops/recorder";
import { routeFigures } from "../../src/ops/snapshot";

const histogramOf = (values: number[]) => {
  const counts = new Array<number>(BUCKET_COUNT).fill(0);
  for (const value of values) counts[bucketOf(value)] = (counts[bucketOf(value)] ?? 0) + 1;
  return counts;
};

const exactPercentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
};

/** A deterministic series shaped like request latencies: mostly fast, a long tail. */
function latencySeries(n: number): number[] {
  let seed = 17;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  return Array.from({ length: n }, () => {
    const u = random();
    return u < 0.9 ? 1 + random() * 9 : u < 0.99 ? 10 + random() * 90 : 100 + random() * 1_900;
  });
}

describe("latency histogram", () => {
  it("when a latency is given, then its bucket is the first whose upper bound holds it", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.5)).toBe(0);
    expect(bucketOf(0.51)).toBe(1);
    expect(bucketOf(10)).toBe(LATENCY_BUCKETS_MS.indexOf(10));
    expect(bucketOf(10.01)).toBe(LATENCY_BUCKETS_MS.indexOf(12));
    expect(bucketOf(60_000)).toBe(BUCKET_COUNT - 1);
  });

  it("when the series is known, then p50, p95 and p99 are within one bucket of the exact values", () => {
    const values = latencySeries(20_000);
    const counts = histogramOf(values);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactPercentile(values, q);
      const estimate = percentile(counts, q);
      expect(estimate).not.toBeNull();
      expect(Math.abs(bucketOf(estimate ?? 0) - bucketOf(exact))).toBeLessThanOrEqual(1);
    }
  });

  it("when every request took the same time, then every percentile is inside that time's bucket", () => {
    const counts = histogramOf(new Array(1_000).fill(7));
    for (const q of [0.5, 0.95, 0.99]) expect(bucketOf(percentile(counts, q) ?? 0)).toBe(bucketOf(7));
  });

  it("when there were no requests, then there is no percentile", () => {
    expect(percentile(new Array(BUCKET_COUNT).fill(0), 0.5)).toBeNull();
  });

  it("when slots of several processes are added, then the window's figures are their sum", () => {
    const slot = (n: number, ms: number) => ({
      "GET /tasks|n": String(n),
      "GET /tasks|4xx": "1",
      [`GET /tasks|b${bucketOf(ms)}`]: String(n),
    });
    const [figures] = routeFigures([slot(100, 3), slot(100, 3), slot(50, 40)], 10);
    expect(figures?.windows["1m"].requests).toBe(250);
    expect(figures?.windows["1m"].errors4xx).toBe(3);
    expect(figures?.windows["1m"].rps).toBeCloseTo(250 / 60, 1);
    expect(bucketOf(figures?.windows["1m"].p50 ?? 0)).toBe(bucketOf(3));
    expect(bucketOf(figures?.windows["1m"].p99 ?? 0)).toBe(bucketOf(40));
  });
});

describe("access patterns", () => {
  it("when positions are recorded, then they keep two significant digits", () => {
    expect(roundPosition(42)).toBe(42);
    expect(roundPosition(4_812_001)).toBe(4_800_000);
    expect(roundPosition(999)).toBe(990);
  });

  it("when two list queries differ only in parameter order, then they count as one page", () => {
    expect(canonicalQuery({ sort: "title", limit: "50" })).toBe(
      canonicalQuery({ limit: "50", sort: "title" }),
    );
  });
});

describe("the recorder while Redis is away", () => {
  it("when nothing can be flushed for minutes, then it keeps only the last minute's slots", async () => {
    resetRecorder();
    const start = 1_800_000_000_000;
    for (let second = 0; second < 600; second += 1) {
      recordRequest(
        { route: "GET /tasks/{id}", status: 200, ms: 3, taskId: String(second) },
        start + second * 1_000,
      );
    }
    const sent: (string | number)[][] = [];
    const redis = {
      status: "ready",
      mtOpsFlush: async (...args: (string | number)[]) => {
        sent.push(args);
        return "token";
      },
    } as unknown as Parameters<typeof flushOps>[0];
    await flushOps(redis, opsKeys("test"), { force: true, now: start + 600_000 });
    expect(sent).toHaveLength(6);
    resetRecorder();
  });
});

import { describe, expect, it } from "vitest";
import { BUILD_PER_LOAD, estimate } from "../../src/seed/progress";

const facts = { count: 1_000_000, chunks: 4 };

describe("seed progress estimate", () => {
  it("when no chunk has landed, then it reports 0% and no time left rather than a guess", () => {
    const progress = estimate({
      ...facts,
      rowsLoaded: 0,
      chunksLoaded: 0,
      elapsedMs: 800,
      lastChunkMs: null,
    });
    expect(progress).toMatchObject({ phase: "load", fraction: 0, etaMs: null });
  });

  it("when half the rows are in, then the load phase is half done and the build is still ahead", () => {
    const progress = estimate({
      ...facts,
      rowsLoaded: 500_000,
      chunksLoaded: 2,
      elapsedMs: 4_000,
      lastChunkMs: 0,
    });
    expect(progress.phase).toBe("load");
    expect(progress.fraction).toBeCloseTo(0.5 / (1 + BUILD_PER_LOAD));
    // 8 s of loading in all, then BUILD_PER_LOAD times that for the build.
    expect(progress.etaMs).toBe(Math.round(8_000 * (1 + BUILD_PER_LOAD) - 4_000));
  });

  it("when all chunks are in, then the build phase runs from the load's share towards 99%", () => {
    // Four chunks two at a time: the last pair began halfway through a 10 s load phase.
    const early = estimate({
      ...facts,
      rowsLoaded: 1_000_000,
      chunksLoaded: 4,
      elapsedMs: 12_000,
      lastChunkMs: 5_000,
    });
    const late = estimate({
      ...facts,
      rowsLoaded: 1_000_000,
      chunksLoaded: 4,
      elapsedMs: 30_000,
      lastChunkMs: 5_000,
    });
    expect(early.phase).toBe("build");
    expect(early.fraction).toBeCloseTo(12_000 / (10_000 * (1 + BUILD_PER_LOAD)));
    expect(late.fraction).toBeGreaterThan(early.fraction);
    expect(early.etaMs).toBe(Math.round(10_000 * (1 + BUILD_PER_LOAD) - 12_000));
  });

  it("when the build runs past its estimate, then it says 99% and about a second, never done", () => {
    const progress = estimate({
      ...facts,
      rowsLoaded: 1_000_000,
      chunksLoaded: 4,
      elapsedMs: 500_000,
      lastChunkMs: 5_000,
    });
    expect(progress.fraction).toBe(0.99);
    expect(progress.etaMs).toBe(1_000);
  });
});

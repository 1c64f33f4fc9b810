import { describe, expect, it } from "vitest";
import { restAfterChunk } from "../../src/jobs/pacing";

describe("a bulk job's rest after each chunk", () => {
  it("when the duty is 0.6, then a 120 ms chunk is followed by 80 ms of rest (60% of the time working)", () => {
    expect(restAfterChunk(120, 0.6)).toBeCloseTo(80);
    expect(120 / (120 + restAfterChunk(120, 0.6))).toBeCloseTo(0.6);
  });

  it("when the duty is 0.25, then the lane rests three times as long as it worked", () => {
    expect(restAfterChunk(50, 0.25)).toBeCloseTo(150);
  });

  it("when the duty is 1, or the chunk took no time, then the next chunk starts at once", () => {
    expect(restAfterChunk(200, 1)).toBe(0);
    expect(restAfterChunk(0, 0.6)).toBe(0);
    expect(restAfterChunk(Number.NaN, 0.6)).toBe(0);
  });
});

// The fuzz suite with a fixed seed and a budget that fits `npm test`; `npm run fuzz -- --runs N`
// runs it longer against a stack of its own.
import { describe, expect, inject, it } from "vitest";
import { runFuzz } from "../fuzz/run-fuzz";
import { TEST_DATABASE_URL } from "../support/services";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_500);

describe("fuzzing every route over HTTP", () => {
  it(`when ${RUNS} generated and hostile requests are sent, then none is a 5xx or slow, refused ones change nothing, and cache and database agree`, async () => {
    const report = await runFuzz({
      baseUrl: inject("apiUrl"),
      databaseUrl: TEST_DATABASE_URL,
      runs: RUNS,
      seed: 11,
    });
    expect(report.runs).toBe(RUNS);
    // The generators reach both sides: accepted writes and refused input.
    expect(Object.keys(report.statuses)).toEqual(expect.arrayContaining(["200", "201", "400", "422"]));
  }, 180_000);
});

import { describe, expect, it } from "vitest";
import { handler as seedStatus } from "../../src/handlers/seed-status";
import { abortLoad, beginLoad, loadChunk } from "../../src/seed/repository";
import { invoke } from "../support/events";

// GET /seed/status reads a running load's own records: the site's "Loading demo data: 43%".
describe("GET /seed/status", () => {
  it("when no load runs, then seeding is null", async () => {
    const response = await invoke(seedStatus);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ seeding: null });
  });

  it("when a load has some of its chunks in, then it reports the rows, the phase and a fraction", async () => {
    const plan = await beginLoad({ count: 4_000, truncate: true, seed: 5, chunkRows: 1_000 });
    try {
      await loadChunk(plan.loadId, 0);
      await loadChunk(plan.loadId, 1);
      const { seeding } = (await invoke(seedStatus)).json();
      expect(seeding).toMatchObject({
        state: "loading",
        loadId: plan.loadId,
        mode: "replace",
        count: 4_000,
        rowsLoaded: 2_000,
        phase: "load",
      });
      expect(seeding.fraction).toBeGreaterThan(0);
      expect(seeding.fraction).toBeLessThan(0.5);
      expect(seeding.etaMs).toBeGreaterThan(0);
    } finally {
      await abortLoad(plan.loadId);
    }
    expect((await invoke(seedStatus)).json()).toEqual({ seeding: null });
  });
});

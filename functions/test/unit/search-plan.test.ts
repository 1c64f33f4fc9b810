import { beforeEach, describe, expect, it } from "vitest";
import { forgetSearchTerms, MAX_WALK_ROWS, PROBE_ROWS, readSearchPage } from "../../src/tasks/search-plan";

/**
 * A table in which every `every`-th row after the first `head` matches (never, with 0); records
 * which readers ran. `rareAnswers: false` makes the time-limited trigram plan run out of time.
 */
function table(every: number, { rows = 1_000_000, head = 0, rareAnswers = true } = {}) {
  const calls: string[] = [];
  const matchesIn = (walked: number) =>
    every === 0 ? 0 : Math.floor(Math.max(0, Math.min(walked, rows) - head) / every);
  const page = (found: number, offset: number, limit: number) =>
    Array.from({ length: Math.max(0, Math.min(limit, found - offset)) }, (_, i) => offset + i);
  return {
    calls,
    readers: (offset: number, limit: number) => ({
      walk: async (walked: number) => {
        calls.push(`walk ${walked}`);
        return page(matchesIn(walked), offset, limit);
      },
      rare: async () => {
        calls.push("rare");
        return rareAnswers ? page(matchesIn(rows), offset, limit) : ("timeout" as const);
      },
      planned: async () => {
        calls.push("planned");
        return page(matchesIn(rows), offset, limit);
      },
    }),
  };
}

beforeEach(() => forgetSearchTerms());

describe("choosing how a search page is read", () => {
  it("when a term is new and rare, then the time-limited trigram plan answers, and next time again", async () => {
    const { calls, readers } = table(0);
    expect(await readSearchPage("none", 50, 50, readers(0, 50))).toEqual([]);
    await readSearchPage("none", 50, 50, readers(0, 50));
    expect(calls).toEqual(["rare", "rare"]);
  });

  it("when a common term is new, then after the trigram plan runs out a probe walk fills the page", async () => {
    const { calls, readers } = table(20, { rareAnswers: false });
    expect(await readSearchPage("common", 50, 50, readers(0, 50))).toHaveLength(50);
    expect(calls).toEqual(["rare", `walk ${PROBE_ROWS}`]);
  });

  it("when a common term was seen before, then one walk sized by what it matched fills the page", async () => {
    const { calls, readers } = table(150, { rareAnswers: false });
    await readSearchPage("seen", 70, 70, readers(0, 70));
    calls.length = 0;
    expect(await readSearchPage("seen", 70, 70, readers(0, 70))).toHaveLength(70);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^walk \d+$/);
  });

  it("when a term is searched again and again, then every page still takes one walk", async () => {
    const { calls, readers } = table(150, { rareAnswers: false });
    await readSearchPage("repeated", 70, 70, readers(0, 70));
    calls.length = 0;
    for (let i = 0; i < 20; i += 1) await readSearchPage("repeated", 70, 70, readers(0, 70));
    expect(calls).toHaveLength(20);
    expect(calls.every((call) => call.startsWith("walk "))).toBe(true);
  });

  it("when the probe finds a few matches, then one longer walk sized from them fills the page", async () => {
    const { calls, readers } = table(400, { rareAnswers: false });
    const page = await readSearchPage("sparse", 55, 50, readers(5, 50));
    expect(page).toEqual(Array.from({ length: 50 }, (_, i) => 5 + i));
    expect(calls.slice(0, 2)).toEqual(["rare", `walk ${PROBE_ROWS}`]);
    expect(calls).toHaveLength(3);
    expect(Number(calls[2]?.split(" ")[1])).toBeLessThanOrEqual(MAX_WALK_ROWS);
  });

  it("when the newest rows hold no match, then the walk goes 8x further and finds the page", async () => {
    const { calls, readers } = table(1_000, { head: 5_000, rareAnswers: false });
    expect(await readSearchPage("late", 20, 20, readers(0, 20))).toHaveLength(20);
    expect(calls).toEqual(["rare", `walk ${PROBE_ROWS}`, `walk ${PROBE_ROWS * 8}`]);
  });

  it("when no walk finds anything although the trigram plan ran out of time, then the planner answers", async () => {
    const { calls, readers } = table(0, { rareAnswers: false });
    expect(await readSearchPage("busy", 50, 50, readers(0, 50))).toEqual([]);
    expect(calls).toEqual(["rare", `walk ${PROBE_ROWS}`, `walk ${PROBE_ROWS * 8}`, "planned"]);
  });

  it("when matches are too rare to walk to, then the planner's plan answers", async () => {
    const { calls, readers } = table(3_000, { rareAnswers: false });
    expect(await readSearchPage("thin", 70, 70, readers(0, 70))).toHaveLength(70);
    expect(calls.at(-1)).toBe("planned");
  });
});

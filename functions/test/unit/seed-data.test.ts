import { describe, expect, it } from "vitest";
import { ASSIGNEES, copyText, formatMicros, TITLE_WORDS } from "../../src/seed/data";

const spec = { count: 20_000, seed: 7, anchorMs: Date.UTC(2026, 0, 1), firstId: 1 };
const lines = (from: number, to: number, s = spec) =>
  [...copyText(s, from, to)].join("").split("\n").slice(0, -1);

describe("seed data", () => {
  it("when a timestamp is formatted, then it is the UTC instant with microseconds", () => {
    for (const ms of [0, 1_700_000_000_123, Date.UTC(2024, 1, 29, 23, 59, 59, 999)]) {
      const us = ms * 1000 + 456;
      const iso = new Date(ms).toISOString();
      expect(formatMicros(us)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}456+00`);
    }
  });

  it("when rows are generated in different chunkings, then they are identical", () => {
    expect([...lines(0, 700), ...lines(700, 1_000)]).toEqual(lines(0, 1_000));
    expect(lines(0, 500, { ...spec, seed: 8 })).not.toEqual(lines(0, 500));
  });

  it("when many rows are generated, then every field is valid and the mix is plausible", () => {
    const rows = lines(0, spec.count).map((line) => line.split("\t"));
    const share = (predicate: (row: string[]) => boolean) => rows.filter(predicate).length / rows.length;
    const invalid = rows.filter(([, title = "", description = "", ...rest]) => {
      const validTitle = title.length > 0 && title.length <= 200 && title === title.trim();
      return rest.length !== 9 || !validTitle || description.length > 10_000;
    });
    expect(invalid).toEqual([]);
    expect(share((row) => row[3] === "done")).toBeCloseTo(0.4, 1);
    expect(share((row) => row[3] === "blocked")).toBeGreaterThan(0.02);
    expect(share((row) => row[4] === "3")).toBeGreaterThan(0.04);
    expect(share((row) => row[5] === "\\N")).toBeCloseTo(0.15, 1);
    expect(new Set(rows.map((row) => row[5])).size).toBeGreaterThan(400);
    expect(share((row) => row[8] !== "\\N")).toBeGreaterThan(0.005);
    expect(share((row) => row[1]?.includes("invoice") === true)).toBeGreaterThan(0.002);
    expect(ASSIGNEES).toHaveLength(500);
    expect(TITLE_WORDS.some((word) => word.includes("zq"))).toBe(false);
    const created = rows.map((row) => row[9] ?? "");
    expect([...created].sort()).toEqual(created);
  });
});

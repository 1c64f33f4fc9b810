import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry, entryTtlMs } from "../../src/cache/entries";
import { indexMember, memberId, normalizedKey } from "../../src/cache/keys";
import { combineOutcomes, metricsHeaders, newMetrics } from "../../src/platform/request-metrics";
import type { TaskRecord } from "../../src/tasks/task-record";

const record = (overrides: Partial<TaskRecord> = {}): TaskRecord => ({
  id: "42",
  json: '{"id":"42","title":"Pay invoice","version":3}',
  version: 3,
  status: "in_progress",
  createdAt: "2030-01-02T03:04:05.123456Z",
  createdMicros: Date.parse("2030-01-02T03:04:05Z") * 1_000 + 123_456,
  expiresAtMicros: null,
  ...overrides,
});

describe("cache entries", () => {
  it("when a record is encoded and decoded, then every fact and the JSON come back unchanged", () => {
    const expiring = record({ expiresAtMicros: Date.parse("2030-01-02T03:04:06.500Z") * 1_000, version: 7 });
    expect(decodeEntry("42", encodeEntry(expiring))).toEqual(expiring);
    expect(decodeEntry("42", encodeEntry(record()))).toEqual(record());
  });

  it("when the JSON contains newlines or imitates a header, then the header still wins", () => {
    const json = '{"title":"7 1 - done 1999-01-01\\n","version":99}\n99 0 - todo x';
    expect(decodeEntry("42", encodeEntry(record({ json })))).toEqual(record({ json }));
  });

  it("when a value is not an entry (older format, garbage), then it decodes to nothing", () => {
    expect(decodeEntry("42", '{"id" : "42", "version" : 3}')).toBeUndefined();
    expect(decodeEntry("42", "3 1\n{}")).toBeUndefined();
  });
});

describe("indexMember", () => {
  it("when members are compared bytewise (equal scores), then ids sort numerically", () => {
    const ids = ["9", "10", "99", "100", "1000000", "123456789012345678"];
    const sorted = ids.map(indexMember).sort();
    expect(sorted.map(memberId)).toEqual(ids);
  });
});

describe("entryTtlMs", () => {
  it("when a task has no expiry, then its TTL is the maximum minus at most 10% jitter", () => {
    const ttls = Array.from({ length: 200 }, () => entryTtlMs(3_600, null, 0));
    expect(Math.max(...ttls)).toBeLessThanOrEqual(3_600_000);
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(3_240_000);
    expect(new Set(ttls).size).toBeGreaterThan(1);
  });

  it("when a task expires sooner than the TTL, then the entry dies at its expiry", () => {
    expect(entryTtlMs(3_600, 10_000 + 1_500, 10_000)).toBe(1_500);
    expect(entryTtlMs(3_600, 9_000, 10_000)).toBeLessThanOrEqual(0);
  });
});

describe("normalizedKey", () => {
  it("when two requests differ only in list order, duplicates or absent fields, then they share a key", () => {
    const a = normalizedKey("list", { status: ["todo", "done"], limit: 50, q: undefined });
    const b = normalizedKey("list", { limit: 50, status: ["done", "todo", "done"] });
    expect(a).toBe(b);
  });

  it("when a filter differs, then the key differs", () => {
    expect(normalizedKey("list", { status: ["todo"] })).not.toBe(normalizedKey("list", { status: ["done"] }));
    expect(normalizedKey("list", {})).not.toBe(normalizedKey("stats", {}));
  });
});

describe("request metrics", () => {
  it("when lookups disagree, then X-Cache says partial; any bypass says bypass", () => {
    expect(combineOutcomes(["hit", "hit"])).toBe("hit");
    expect(combineOutcomes(["hit", "miss"])).toBe("partial");
    expect(combineOutcomes(["miss"])).toBe("miss");
    expect(combineOutcomes(["hit", "bypass"])).toBe("bypass");
    expect(combineOutcomes([])).toBeUndefined();
  });

  it("when a request touched the cache, then Server-Timing names db and cache", () => {
    const metrics = { ...newMetrics(), dbMs: 1.25, cacheMs: 0.5, outcomes: ["hit" as const] };
    expect(metricsHeaders(metrics)).toEqual({
      "Server-Timing": "db;dur=1.3, cache;dur=0.5",
      "X-Cache": "hit",
    });
    expect(metricsHeaders(newMetrics())).toEqual({ "Server-Timing": "db;dur=0.0" });
  });
});

import { describe, expect, it } from "vitest";
import {
  entryTtlMs,
  indexMember,
  instantMicros,
  memberId,
  normalizedKey,
  taskFacts,
} from "../../src/cache/cache";
import { combineOutcomes, metricsHeaders, newMetrics } from "../../src/platform/request-metrics";

// The exact text PostgreSQL's json_build_object(...)::text produces for a task (see TASK_JSON).
const taskJson = (overrides: { title?: string; expiresAt?: string | null; version?: number } = {}) =>
  `{"id" : "42", "title" : ${JSON.stringify(overrides.title ?? "Pay invoice")}, "description" : "", ` +
  `"status" : "todo", "priority" : "high", "assignee" : null, "tags" : ["a"], "dueAt" : null, ` +
  `"expiresAt" : ${overrides.expiresAt ? `"${overrides.expiresAt}"` : "null"}, ` +
  `"createdAt" : "2030-01-02T03:04:05.123456Z", "updatedAt" : "2030-01-02T03:04:05.123456Z", ` +
  `"version" : ${overrides.version ?? 3}}`;

describe("taskFacts", () => {
  it("when given a task's JSON, then it reads created_at to the microsecond, the expiry and the version", () => {
    const facts = taskFacts(taskJson({ expiresAt: "2030-01-02T03:04:06.500000Z", version: 7 }));
    expect(facts).toEqual({
      createdAt: "2030-01-02T03:04:05.123456Z",
      createdMicros: Date.parse("2030-01-02T03:04:05Z") * 1_000 + 123_456,
      expiresAtMs: Date.parse("2030-01-02T03:04:06.500Z"),
      version: 7,
    });
  });

  it("when a title imitates the tail, then the real tail at the end still wins", () => {
    const title = '"createdAt" : "1999-01-01T00:00:00Z", "updatedAt" : "x", "version" : 99}';
    expect(taskFacts(taskJson({ title }))?.version).toBe(3);
    expect(taskFacts(taskJson({ title }))?.createdAt).toBe("2030-01-02T03:04:05.123456Z");
  });

  it("when the text is not a task, then it answers null", () => {
    expect(taskFacts('{"error":1}')).toBeNull();
  });
});

describe("instantMicros", () => {
  it("when the fraction is shorter than six digits or an offset is given, then it still counts microseconds", () => {
    expect(instantMicros("2030-01-01T00:00:00.5Z")).toBe(
      Date.parse("2030-01-01T00:00:00Z") * 1_000 + 500_000,
    );
    expect(instantMicros("2030-01-01T02:00:00+02:00")).toBe(Date.parse("2030-01-01T00:00:00Z") * 1_000);
    expect(instantMicros("yesterday")).toBeNaN();
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

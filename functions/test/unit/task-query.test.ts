import { describe, expect, it } from "vitest";
import {
  escapeLike,
  filterConditions,
  isCountable,
  keysetCondition,
  orderBy,
  SqlParams,
} from "../../src/tasks/query";

describe("task query building", () => {
  it("when a search contains LIKE wildcards, then they are escaped to match literally", () => {
    expect(escapeLike("50%_off\\")).toBe("50\\%\\_off\\\\");
  });

  it("when filters are given, then every value travels as a parameter, never in the SQL text", () => {
    const params = new SqlParams();
    const sql = filterConditions(
      { status: ["todo"], priority: ["urgent"], assignee: "x'; drop table tasks; --", tag: "t", q: "a%" },
      params,
    ).join(" and ");
    expect(sql).not.toContain("drop table");
    expect(params.values).toEqual([["todo"], [3], "x'; drop table tasks; --", "t", "%a\\%%"]);
  });

  it("when no filter is given, then expired tasks are still excluded", () => {
    expect(filterConditions({}, new SqlParams())).toEqual(["(t.expires_at is null or t.expires_at > now())"]);
  });

  it("when ordering, then id breaks ties in the same direction", () => {
    expect(orderBy("priority", "desc")).toBe("t.priority desc, t.id desc");
    expect(orderBy("dueAt", "asc")).toBe("coalesce(t.due_at, 'infinity'::timestamptz) asc, t.id asc");
  });

  it("when a cursor key does not fit the sort key's type, then it is a 400 instead of a database error", () => {
    expect(() => keysetCondition("createdAt", ">", { key: "yesterday", id: "1" }, new SqlParams())).toThrow(
      /cursor is malformed/,
    );
    expect(() => keysetCondition("priority", ">", { key: "9", id: "1" }, new SqlParams())).toThrow();
    expect(
      keysetCondition("createdAt", ">", { key: "2026-01-01 10:00:00.123456+00", id: "1" }, new SqlParams()),
    ).toContain("::timestamptz");
  });

  it("when only status and priority filter, then the total can come from the counts table", () => {
    expect(isCountable({ status: ["todo"], priority: ["low"] })).toBe(true);
    expect(isCountable({ status: ["todo"], q: "x" })).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { CreateTaskInput, ListTasksQuery, TaskPath, UpdateTaskInput } from "#contract/schemas";

describe("CreateTaskInput", () => {
  it("when a title has surrounding spaces, then it is trimmed; when it is blank, then it is refused", () => {
    expect(CreateTaskInput.parse({ title: "  a  " }).title).toBe("a");
    expect(CreateTaskInput.safeParse({ title: "   " }).success).toBe(false);
  });

  it("when optional fields are missing, then the defaults match the table's", () => {
    expect(CreateTaskInput.parse({ title: "x" })).toEqual({
      title: "x",
      description: "",
      status: "todo",
      priority: "medium",
      assignee: null,
      tags: [],
      dueAt: null,
      expiresAt: null,
    });
  });

  it.each([
    [{ title: "x".repeat(201) }],
    [{ title: "x", description: "d".repeat(10_001) }],
    [{ title: "x", tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
    [{ title: "x", status: "archived" }],
    [{ title: "x", priority: 3 }],
    [{ title: "x", dueAt: "tomorrow" }],
    [{ title: "x", extra: true }],
    [{ title: 5 }],
  ])("when the body is %j, then it is refused", (body) => {
    expect(CreateTaskInput.safeParse(body).success).toBe(false);
  });
});

describe("UpdateTaskInput", () => {
  it("when nothing but a version is sent, then it is refused", () => {
    expect(UpdateTaskInput.safeParse({}).success).toBe(false);
    expect(UpdateTaskInput.safeParse({ version: 2 }).success).toBe(false);
    expect(UpdateTaskInput.safeParse({ status: "done", version: 2 }).success).toBe(true);
  });
});

describe("ListTasksQuery", () => {
  it("when no parameters are given, then it pages 50 newest first", () => {
    expect(ListTasksQuery.parse({})).toMatchObject({
      limit: 50,
      sort: { key: "createdAt", direction: "desc" },
    });
  });

  it("when sort has a leading minus, then it is descending", () => {
    expect(ListTasksQuery.parse({ sort: "title" }).sort).toEqual({ key: "title", direction: "asc" });
    expect(ListTasksQuery.parse({ sort: "-dueAt" }).sort).toEqual({ key: "dueAt", direction: "desc" });
  });

  it("when filters are comma lists, then they become arrays", () => {
    expect(ListTasksQuery.parse({ status: "todo,done", priority: "urgent" })).toMatchObject({
      status: ["todo", "done"],
      priority: ["urgent"],
    });
  });

  it.each([
    { limit: "0" },
    { limit: "201" },
    { limit: "1000000000" },
    { limit: "ten" },
    { offset: "-1" },
    { offset: "99999999999999999999" },
    { offset: "1.5" },
    { sort: "bogus" },
    { sort: "--title" },
    { status: "todo,nope" },
    { priority: "" },
    { dueAfter: "2020-13-45" },
    { q: "x".repeat(201) },
    { unknown: "1" },
    { cursor: "abc", offset: "5" },
  ])("when the query is %j, then it is refused", (query) => {
    expect(ListTasksQuery.safeParse(query).success).toBe(false);
  });
});

describe("TaskPath", () => {
  it.each(["0", "-1", "abc", "1e3", "01", "9223372036854775808", "99999999999999999999"])(
    "when the id is %s, then it is refused",
    (id) => {
      expect(TaskPath.safeParse({ id }).success).toBe(false);
    },
  );

  it("when the id is the largest bigint, then it is accepted", () => {
    expect(TaskPath.safeParse({ id: "9223372036854775807" }).success).toBe(true);
  });
});

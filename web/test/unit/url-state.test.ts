import { describe, expect, it } from "vitest";
import { isSearchableTerm } from "#contract/constants";
import type { Task } from "../../src/lib/api";
import {
  DEFAULT_VIEW,
  hasFilters,
  listParams,
  matchesView,
  parseViewState,
  queryKey,
  serializeViewState,
} from "../../src/lib/url-state";

describe("url state", () => {
  it("when the URL is empty, then the default view results and serializes to nothing", () => {
    expect(parseViewState("")).toEqual(DEFAULT_VIEW);
    expect(serializeViewState(DEFAULT_VIEW)).toBe("");
  });

  it("when a view is serialized and parsed again, then it is the same view", () => {
    const view = {
      ...DEFAULT_VIEW,
      sort: "dueAt",
      status: ["todo" as const, "blocked" as const],
      priority: ["urgent" as const],
      assignee: "ana",
      tag: "ops",
      q: "invoice 42",
      row: 4_812_000,
      task: "17",
    };
    const search = serializeViewState(view);
    expect(search).toBe(
      "?sort=dueAt&status=todo,blocked&priority=urgent&assignee=ana&tag=ops&q=invoice+42&row=4812000&task=17",
    );
    expect(parseViewState(search)).toEqual(view);
  });

  it("when the URL holds unknown values, then they are dropped rather than sent to the API", () => {
    const view = parseViewState("?sort=-bogus&status=todo,nope&priority=mega&row=-5&task=abc");
    expect(view.sort).toBe("-createdAt");
    expect(view.status).toEqual(["todo"]);
    expect(view.priority).toEqual([]);
    expect(view.row).toBe(0);
    expect(view.task).toBeNull();
  });

  it("when only the position or the drawer changes, then the query key stays the same", () => {
    const base = parseViewState("?q=xyz");
    expect(queryKey({ ...base, row: 500, task: "new" })).toBe(queryKey(base));
    expect(queryKey({ ...base, q: "wxy" })).not.toBe(queryKey(base));
  });

  it("when filters are blank, then they are left out of the API parameters", () => {
    expect(listParams({ ...DEFAULT_VIEW, q: "  ", assignee: " ana " })).toMatchObject({
      q: undefined,
      assignee: "ana",
    });
    expect(hasFilters({ ...DEFAULT_VIEW, q: " " })).toBe(false);
    expect(hasFilters({ ...DEFAULT_VIEW, status: ["done"] })).toBe(true);
  });

  it("when a task is checked against a view, then it matches exactly when the API's filters would return it", () => {
    const task: Task = {
      id: "7",
      title: "Fix Invoice export",
      description: "",
      status: "todo",
      priority: "high",
      assignee: "ana",
      tags: ["billing", "q3"],
      dueAt: null,
      expiresAt: null,
      createdAt: "2026-11-23T10:00:00.000000Z",
      updatedAt: "2026-11-23T10:00:00.000000Z",
      version: 1,
    };
    const view = (patch: Partial<typeof DEFAULT_VIEW>) => ({ ...DEFAULT_VIEW, ...patch });
    expect(matchesView(task, DEFAULT_VIEW)).toBe(true);
    expect(matchesView(task, view({ status: ["todo", "done"], priority: ["high"] }))).toBe(true);
    expect(matchesView(task, view({ status: ["done"] }))).toBe(false);
    expect(matchesView(task, view({ priority: ["low", "urgent"] }))).toBe(false);
    expect(matchesView(task, view({ assignee: " ana " }))).toBe(true);
    expect(matchesView(task, view({ assignee: "bo" }))).toBe(false);
    expect(matchesView(task, view({ tag: "q3" }))).toBe(true);
    expect(matchesView(task, view({ tag: "q4" }))).toBe(false);
    expect(matchesView(task, view({ q: "invoice EX" }))).toBe(true);
    expect(matchesView(task, view({ q: "refund" }))).toBe(false);
  });
});

describe("short searches", () => {
  it("when the term has fewer than three letters or digits in a row, then no q is sent (the API refuses it)", () => {
    expect(listParams({ ...DEFAULT_VIEW, q: "ab" }).q).toBeUndefined();
    expect(listParams({ ...DEFAULT_VIEW, q: "a b c" }).q).toBeUndefined();
    expect(isSearchableTerm("%%_")).toBe(false);
  });

  it("when the term has a run of three, then it is sent trimmed", () => {
    expect(listParams({ ...DEFAULT_VIEW, q: " inv " }).q).toBe("inv");
    expect(isSearchableTerm("é42")).toBe(true);
  });
});

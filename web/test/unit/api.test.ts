import { afterEach, describe, expect, it, vi } from "vitest";
import {
  API_URL,
  ApiError,
  filterOf,
  getFacets,
  importCsv,
  importProblems,
  listQueryString,
  listTasks,
  startBulk,
  updateTask,
} from "../../src/lib/api";

afterEach(() => vi.unstubAllGlobals());

describe("api client", () => {
  it("when no PUBLIC_API_URL is configured, then it talks to localhost:3000", () => {
    expect(API_URL).toBe((import.meta.env.PUBLIC_API_URL || "http://localhost:3000").replace(/\/+$/, ""));
  });

  it("when listing, then the contract's parameter names and formats are used", () => {
    const text = listQueryString(
      { sort: "-dueAt", status: ["todo", "done"], priority: [], q: " inv ", assignee: "" },
      { limit: 100, offset: 9_999_900 },
    );
    expect(Object.fromEntries(new URLSearchParams(text))).toEqual({
      limit: "100",
      offset: "9999900",
      sort: "-dueAt",
      status: "todo,done",
      q: "inv",
    });
  });

  it("when the API answers with validation details, then they are keyed by field", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        Response.json(
          {
            error: {
              code: "validation_failed",
              message: "Invalid task",
              details: [
                { path: "title", message: "title must not be blank" },
                { path: "tags.3", message: "too long" },
              ],
            },
          },
          { status: 400 },
        ),
      ),
    );
    const error = await updateTask("1", { title: " " }, 2).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).fieldErrors).toEqual({ title: "title must not be blank", tags: "too long" });
  });

  it("when updating, then the version travels as a quoted If-Match", async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => Response.json({ id: "1", version: 3 }));
    vi.stubGlobal("fetch", fetch);
    await updateTask("1", { status: "done" }, 2);
    const init = fetch.mock.calls[0]?.[1];
    expect(init?.method).toBe("PATCH");
    expect((init?.headers as Record<string, string> | undefined)?.["if-match"]).toBe('"2"');
  });

  it("when nothing answers, then the error says the API is unreachable", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))),
    );
    const error = (await listTasks({}, { limit: 10, offset: 0 }).catch(
      (caught: unknown) => caught,
    )) as ApiError;
    expect(error.unreachable).toBe(true);
    expect(error.message).toContain(API_URL);
  });

  it("when a request is aborted, then the AbortError passes through untouched", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new DOMException("aborted", "AbortError"))),
    );
    const error = await listTasks({}, { limit: 10, offset: 0 }).catch((caught: unknown) => caught);
    expect((error as Error).name).toBe("AbortError");
  });

  it("when a view becomes a filter, then it is the list query's strings (sets joined, blanks left out)", () => {
    expect(
      filterOf({ sort: "title", status: ["todo", "blocked"], priority: [], assignee: " ana ", tag: "" }),
    ).toEqual({
      sort: "title",
      status: "todo,blocked",
      assignee: "ana",
    });
    expect(filterOf({ sort: "title", q: "inv" }, { sort: false })).toEqual({ q: "inv" });
  });

  it("when a bulk job is started, then the selection and action are posted as JSON and the job comes back", async () => {
    const fetch = vi.fn(async () =>
      Response.json(
        { job: { id: "6f1c7a52-3f0b-4d7e-9c61-1b2a3c4d5e6f", state: "queued", total: 0, done: 0 } },
        { status: 202 },
      ),
    );
    vi.stubGlobal("fetch", fetch);
    const job = await startBulk({ filter: { status: "todo" }, except: ["7"] }, { set: { status: "done" } });
    expect(job.state).toBe("queued");
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(`${API_URL}/tasks/bulk`);
    expect(init.method).toBe("POST");
    expect(JSON.parse(String(init.body))).toEqual({
      selection: { filter: { status: "todo" }, except: ["7"] },
      action: { set: { status: "done" } },
    });
  });

  it("when facets are asked for, then the filters go in the query without the sort", async () => {
    const fetch = vi.fn(async () => Response.json({}));
    vi.stubGlobal("fetch", fetch);
    await getFacets({ sort: "-title", status: ["done"], tag: "ops" });
    const [url] = fetch.mock.calls[0] as unknown as [string];
    expect(url).toBe(`${API_URL}/tasks/facets?status=done&tag=ops`);
  });

  it("when an import is refused, then its problems come back by line and column", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        Response.json(
          {
            error: {
              code: "invalid_import",
              message: "Nothing was imported: 1 problem",
              details: [
                { path: "line 3, status", message: "must be one of todo, …", line: 3, column: "status" },
              ],
            },
          },
          { status: 422 },
        ),
      ),
    );
    const error = await importCsv("title,status\na,b\n").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(importProblems(error as ApiError)).toEqual([
      { path: "line 3, status", message: "must be one of todo, …", line: 3, column: "status" },
    ]);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { API_URL, ApiError, listQueryString, listTasks, updateTask } from "../../src/lib/api";

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
});

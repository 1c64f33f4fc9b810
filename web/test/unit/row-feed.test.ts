import { describe, expect, it } from "vitest";
import type { TaskPage } from "#contract/schemas";
import type { PageRequest } from "../../src/lib/block-store";
import { RowFeed } from "../../src/lib/row-feed";
import { taskFixture } from "./support/task-fixture";

interface Pending {
  label: string;
  request: PageRequest;
  signal: AbortSignal;
  resolve: (page: TaskPage) => void;
}

function pageOf(label: string, request: PageRequest, total = 500): TaskPage {
  const start = request.offset ?? Number(request.cursor ?? 0);
  const count = Math.max(0, Math.min(request.limit, total - start));
  return {
    items: Array.from({ length: count }, (_, index) =>
      taskFixture({ id: String(start + index + 1), title: `${label} ${start + index}`, priority: "low" }),
    ),
    nextCursor: start + count < total ? String(start + count) : null,
    prevCursor: null,
    total: { value: total, exact: true },
    offset: request.offset ?? null,
  };
}

function harness() {
  const pending: Pending[] = [];
  const source = (label: string) => (request: PageRequest, signal: AbortSignal) =>
    new Promise<TaskPage>((resolve) => {
      // Answers may still arrive after an abort, as a response already on the wire does.
      pending.push({ label, request, signal, resolve });
    });
  const settle = async (item: Pending | undefined, total?: number) => {
    if (!item) throw new Error("no such request");
    item.resolve(pageOf(item.label, item.request, total));
    for (let i = 0; i < 3; i++) await Promise.resolve();
  };
  return { pending, source, settle };
}

const titleAt = (feed: RowFeed, row: number) => {
  const state = feed.shown?.rowAt(row);
  return state?.kind === "row" ? state.task.title : state?.kind;
};

describe("RowFeed", () => {
  it("when a new query is typed, then the previous rows stay until the new ones arrive", async () => {
    const { pending, source, settle } = harness();
    const feed = new RowFeed({ blockSize: 100, prefetch: 0 });
    feed.setQuery({ queryKey: "all", revision: 0, fetchPage: source("all"), startRow: 0 });
    await settle(pending[0]);
    expect(titleAt(feed, 0)).toBe("all 0");

    feed.setQuery({ queryKey: "q=inv", revision: 0, fetchPage: source("inv"), startRow: 0 });
    expect(feed.pending).not.toBeNull();
    expect(titleAt(feed, 0)).toBe("all 0");
    await settle(pending[1]);
    expect(feed.pending).toBeNull();
    expect(titleAt(feed, 0)).toBe("inv 0");
    expect(feed.startRow).toBe(0);
  });

  it("when answers arrive out of order, then an older query's answer never replaces a newer query", async () => {
    const { pending, source, settle } = harness();
    const feed = new RowFeed({ blockSize: 100, prefetch: 0 });
    feed.setQuery({ queryKey: "a", revision: 0, fetchPage: source("a"), startRow: 0 });
    feed.setQuery({ queryKey: "ab", revision: 0, fetchPage: source("ab"), startRow: 0 });
    expect(pending[0]?.signal.aborted).toBe(true);
    await settle(pending[1]);
    await settle(pending[0]);
    expect(titleAt(feed, 0)).toBe("ab 0");
  });

  it("when a write bumps the revision, then the same position is refetched without jumping", async () => {
    const { pending, source, settle } = harness();
    const feed = new RowFeed({ blockSize: 100, prefetch: 0 });
    feed.setQuery({ queryKey: "all", revision: 0, fetchPage: source("v0"), startRow: 0 });
    await settle(pending[0]);
    feed.request(300, 320);
    await settle(pending[1]);
    feed.setQuery({ queryKey: "all", revision: 1, fetchPage: source("v1"), startRow: 0 });
    expect(pending[2]?.request).toEqual({ limit: 100, offset: 300 });
    await settle(pending[2]);
    expect(feed.startRow).toBeNull();
    expect(titleAt(feed, 305)).toBe("v1 305");
  });

  it("when the very first load fails, then the failing store is shown so its error can be", async () => {
    const feed = new RowFeed({ blockSize: 100, prefetch: 0 });
    feed.setQuery({
      queryKey: "all",
      revision: 0,
      fetchPage: () => Promise.reject(new Error("unreachable")),
      startRow: 0,
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(feed.shown).not.toBeNull();
    expect(feed.error).toBeInstanceOf(Error);
  });

  it("when a shared link opens deep in the list, then loading starts at that row", () => {
    const { pending, source } = harness();
    const feed = new RowFeed({ blockSize: 100, prefetch: 0 });
    feed.setQuery({ queryKey: "all", revision: 0, fetchPage: source("all"), startRow: 9_999_950 });
    expect(pending[0]?.request).toEqual({ limit: 100, offset: 9_999_900 });
  });
  it("when a person jumps while a new search is loading, then the search opens at the jump", async () => {
    const { pending, source, settle } = harness();
    const feed = new RowFeed({ blockSize: 100, prefetch: 0 });
    feed.setQuery({ queryKey: "all", revision: 0, fetchPage: source("all"), startRow: 0 });
    await settle(pending[0]);
    feed.setQuery({ queryKey: "q=inv", revision: 0, fetchPage: source("inv"), startRow: 0 });
    expect(feed.jumpPending(250)).toBe(true);
    // The search's first rows answer first: not enough to show it, the jump's rows are wanted.
    await settle(pending[1]);
    expect(feed.pending).not.toBeNull();
    for (const offset of [200, 300]) {
      await settle(pending.find((item) => item.label === "inv" && item.request.offset === offset));
    }
    expect(feed.pending).toBeNull();
    expect(feed.startRow).toBe(250);
    expect(titleAt(feed, 250)).toBe("inv 250");
  });

  it("when a person jumps while only a refresh is loading, then the jump is left to the shown rows", async () => {
    const { pending, source, settle } = harness();
    const feed = new RowFeed({ blockSize: 100, prefetch: 0 });
    feed.setQuery({ queryKey: "all", revision: 0, fetchPage: source("v0"), startRow: 0 });
    await settle(pending[0]);
    feed.setQuery({ queryKey: "all", revision: 1, fetchPage: source("v1"), startRow: 0 });
    expect(feed.jumpPending(250)).toBe(false);
  });
});

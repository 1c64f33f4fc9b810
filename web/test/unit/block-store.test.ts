import { describe, expect, it } from "vitest";
import type { Task, TaskPage } from "#contract/schemas";
import { BlockStore, type PageRequest } from "../../src/lib/block-store";
import { taskFixture } from "./support/task-fixture";

function task(position: number, overrides: Partial<Task> = {}): Task {
  return taskFixture({ id: String(position + 1), title: `task ${position}`, ...overrides });
}

interface Call {
  request: PageRequest;
  signal: AbortSignal;
  resolve: (page: TaskPage) => void;
  reject: (error: unknown) => void;
}

/** A page source whose answers the test releases by hand, in any order. */
function controlledSource(total: number, { ignoreAbort = false } = {}) {
  const calls: Call[] = [];
  const fetchPage = (request: PageRequest, signal: AbortSignal) =>
    new Promise<TaskPage>((resolve, reject) => {
      calls.push({ request, signal, resolve, reject });
      // ignoreAbort: the answer was already on its way when the request was cancelled.
      if (!ignoreAbort)
        signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    });
  const pageFor = (call: Call, exact = true): TaskPage => {
    const start = call.request.offset ?? Number(call.request.cursor);
    const end = Math.min(total, start + call.request.limit);
    const items = Array.from({ length: Math.max(0, end - start) }, (_, index) => task(start + index));
    return {
      items,
      nextCursor: end < total ? String(end) : null,
      prevCursor: null,
      total: { value: total, exact },
      offset: call.request.offset ?? null,
    };
  };
  const answer = async (call: Call, exact = true) => {
    call.resolve(pageFor(call, exact));
    await Promise.resolve();
    await Promise.resolve();
  };
  return { calls, fetchPage, answer };
}

describe("BlockStore", () => {
  it("when the viewport shows rows, then the blocks around them load by position and rows appear", async () => {
    const source = controlledSource(10_000_000);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    store.ensure(4_812_000, 4_812_039);
    expect(store.rowAt(4_812_000)).toEqual({ kind: "loading" });
    expect(source.calls.map((call) => call.request)).toEqual([{ limit: 100, offset: 4_812_000 }]);
    await source.answer(source.calls[0] as Call);
    expect(store.rowAt(4_812_005)).toMatchObject({ kind: "row", task: { title: "task 4812005" } });
    expect(store.total).toBe(10_000_000);
  });

  it("when scrolling into the next block, then it continues the previous block's keyset cursor", async () => {
    const source = controlledSource(1000);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    store.ensure(0, 30);
    await source.answer(source.calls[0] as Call);
    store.ensure(90, 120);
    expect(source.calls[1]?.request).toEqual({ limit: 100, cursor: "100" });
  });

  it("when the viewport jumps away, then requests for blocks no longer wanted are aborted", () => {
    const source = controlledSource(10_000_000);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    store.ensure(0, 30);
    store.ensure(5_000_000, 5_000_030);
    expect(source.calls[0]?.signal.aborted).toBe(true);
    expect(source.calls[1]?.signal.aborted).toBe(false);
  });

  it("when an aborted block's answer arrives anyway, then it is ignored", async () => {
    const source = controlledSource(10_000_000, { ignoreAbort: true });
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    store.ensure(0, 30);
    const first = source.calls[0] as Call;
    store.ensure(5_000_000, 5_000_030);
    store.ensure(0, 30); // back again: a new request for block 0
    first.resolve({
      items: [task(0, { title: "stale" })],
      nextCursor: null,
      prevCursor: null,
      total: { value: 1, exact: true },
      offset: 0,
    });
    await Promise.resolve();
    expect(store.rowAt(0)).toEqual({ kind: "loading" });
    expect(store.total).toBeNull();
  });

  it("when the store is disposed, then in-flight requests are aborted and late answers change nothing", async () => {
    const source = controlledSource(1000, { ignoreAbort: true });
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    let changes = 0;
    store.subscribe(() => changes++);
    store.ensure(0, 30);
    store.dispose();
    expect(source.calls[0]?.signal.aborted).toBe(true);
    await source.answer(source.calls[0] as Call);
    expect(changes).toBe(0);
    expect(store.rowAt(0)).toEqual({ kind: "loading" });
  });

  it("when a block fails, then its rows show the error and retry fetches it again", async () => {
    const source = controlledSource(1000);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    store.ensure(0, 30);
    source.calls[0]?.reject(new Error("boom"));
    await Promise.resolve();
    expect(store.rowAt(3).kind).toBe("error");
    expect(store.lastError).toBeInstanceOf(Error);
    store.retry();
    expect(source.calls).toHaveLength(2);
    await source.answer(source.calls[1] as Call);
    expect(store.rowAt(3).kind).toBe("row");
    expect(store.lastError).toBeNull();
  });

  it("when an estimated total is too high, then the short last block corrects it", async () => {
    const source = controlledSource(250);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    const estimate = (call: Call) => {
      const start = call.request.offset ?? 0;
      const items = Array.from({ length: Math.max(0, Math.min(250, start + 100) - start) }, (_, i) =>
        task(start + i),
      );
      call.resolve({
        items,
        nextCursor: start + items.length < 250 ? String(start + items.length) : null,
        prevCursor: null,
        total: { value: 300, exact: false },
        offset: start,
      });
    };
    store.ensure(200, 299);
    estimate(source.calls[0] as Call);
    await Promise.resolve();
    expect(store.total).toBe(250);
  });

  it("when a row is edited optimistically, then it shows the edit until undone", async () => {
    const source = controlledSource(100);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0 });
    store.ensure(0, 10);
    await source.answer(source.calls[0] as Call);
    const undo = store.override("3", task(2, { title: "renamed" }));
    expect(store.rowAt(2)).toMatchObject({ task: { title: "renamed" } });
    undo();
    expect(store.rowAt(2)).toMatchObject({ task: { title: "task 2" } });
    const undoDelete = store.override("3", null);
    expect(store.rowAt(2)).toMatchObject({ deleting: true });
    undoDelete();
    expect(store.rowAt(2)).toMatchObject({ deleting: false });
  });

  it("when rows far away pile up, then blocks beyond the limit are evicted farthest first", async () => {
    const source = controlledSource(100_000);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 0, maxBlocks: 2 });
    for (const first of [0, 10_000, 20_000]) {
      store.ensure(first, first + 10);
      await source.answer(source.calls.at(-1) as Call);
    }
    store.ensure(20_000, 20_010);
    expect(store.rowAt(0).kind).toBe("loading");
    expect(store.rowAt(20_000).kind).toBe("row");
  });
  it("when the visible blocks are loading, then the blocks around them wait for their answer", async () => {
    const source = controlledSource(10_000_000);
    const store = new BlockStore("q", source.fetchPage, { blockSize: 100, prefetch: 1 });
    store.ensure(4_812_000, 4_812_039);
    expect(source.calls.map((call) => call.request)).toEqual([{ limit: 100, offset: 4_812_000 }]);
    await source.answer(source.calls[0] as Call);
    expect(source.calls.map((call) => call.request)).toEqual([
      { limit: 100, offset: 4_812_000 },
      { limit: 100, offset: 4_811_900 },
      { limit: 100, cursor: "4812100" },
    ]);
  });

  it("when a store counts from the end, then the view's last rows are the reversed order's first page", async () => {
    const real = 250;
    // The reversed order: its row r is row real-1-r of the view. The API can only estimate 1,000.
    const calls: PageRequest[] = [];
    const reversed = async (request: PageRequest): Promise<TaskPage> => {
      calls.push(request);
      const start = request.offset ?? Number(request.cursor);
      const end = Math.min(real, start + request.limit);
      return {
        items: Array.from({ length: Math.max(0, end - start) }, (_, r) => task(real - 1 - (start + r))),
        nextCursor: end < real ? String(end) : null,
        prevCursor: null,
        total: { value: 1000, exact: false },
        offset: request.offset ?? null,
      };
    };
    const store = new BlockStore("q", reversed, { blockSize: 100, prefetch: 0, fromEnd: true });
    store.ensure(Number.MAX_SAFE_INTEGER - 30, Number.MAX_SAFE_INTEGER);
    expect(store.settled(Number.MAX_SAFE_INTEGER - 30, Number.MAX_SAFE_INTEGER)).toBe(false);
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toEqual([{ limit: 100, offset: 0 }]);
    expect(store.total).toBe(1000);
    expect(store.exact).toBe(false);
    expect(store.rowAt(999)).toMatchObject({ task: { title: "task 249" } });
    expect(store.rowAt(980)).toMatchObject({ task: { title: "task 230" } });
    // Scrolling up continues the reversed order's cursor.
    store.ensure(880, 905);
    expect(calls[1]).toEqual({ limit: 100, cursor: "100" });
  });
});

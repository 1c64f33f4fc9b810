// Rows of one query, loaded in fixed blocks as the viewport moves. Pure logic around an injected
// page fetcher, so it is unit-tested without a network: block k holds global rows
// [k*size, (k+1)*size). A block right after a loaded one continues its keyset cursor (what
// scrolling does); any other block is fetched by position (`offset`, what jumps do). Requests for
// blocks that left the wanted range are aborted, and a response is applied only if its block
// is still the one that asked for it in a store that is still alive, so a late answer to an older
// query can never land in a newer one.
import type { Task, TaskPage } from "#contract/schemas";

export const BLOCK_SIZE = 100;

export interface PageRequest {
  limit: number;
  offset?: number;
  cursor?: string;
}

export type FetchPage = (request: PageRequest, signal: AbortSignal) => Promise<TaskPage>;

type BlockState =
  | { kind: "loading"; controller: AbortController }
  | { kind: "ready"; items: Task[]; nextCursor: string | null }
  | { kind: "error"; error: unknown };

export type RowState =
  | { kind: "row"; task: Task; deleting: boolean; gone?: boolean }
  | { kind: "loading" }
  | { kind: "error"; error: unknown };

export interface BlockStoreOptions {
  blockSize?: number;
  /** Blocks fetched beyond each end of the wanted range. */
  prefetch?: number;
  /** Ready blocks kept in memory; the farthest from the viewport go first. */
  maxBlocks?: number;
  /**
   * The store holds the view from its end: `fetchPage` pages through the reversed order, and row
   * g of the view is row total-1-g of that order. The last rows of a view whose total is only an
   * estimate are then one request away (the first page of the reversed order) instead of a walk
   * back from the estimated end, one empty page at a time.
   */
  fromEnd?: boolean;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException
    ? error.name === "AbortError"
    : (error as { name?: string } | null)?.name === "AbortError";
}

export class BlockStore {
  total: number | null = null;
  exact = true;
  lastError: unknown = null;
  requests = 0;
  private readonly blocks = new Map<number, BlockState>();
  /** Optimistic edits by task id; null marks a delete in flight. */
  private readonly overrides = new Map<string, Task | null>();
  /** Deleted elsewhere (live feed): kept in place, marked, until the next reload. */
  private readonly gone = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly blockSize: number;
  private readonly prefetch: number;
  private readonly maxBlocks: number;
  private wanted = { first: 0, last: -1 };
  private prefetching = true;
  private disposed = false;
  readonly fromEnd: boolean;

  constructor(
    readonly key: string,
    private readonly fetchPage: FetchPage,
    options: BlockStoreOptions = {},
  ) {
    this.blockSize = options.blockSize ?? BLOCK_SIZE;
    this.prefetch = options.prefetch ?? 1;
    this.maxBlocks = options.maxBlocks ?? 40;
    this.fromEnd = options.fromEnd ?? false;
  }

  /**
   * Rows [first, last] of the view as rows of the order `fetchPage` walks (the same unless
   * fromEnd). Before a fromEnd store knows its total, the range counts from the end.
   */
  private toStore(first: number, last: number): { first: number; last: number } {
    if (!this.fromEnd) return { first, last };
    if (this.total === null) return { first: 0, last: Math.max(0, last - first) };
    return { first: Math.max(0, this.total - 1 - last), last: Math.max(0, this.total - 1 - first) };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  rowAt(row: number): RowState {
    if (this.fromEnd && this.total === null) return { kind: "loading" };
    const index = this.fromEnd ? (this.total ?? 0) - 1 - row : row;
    if (index < 0) return { kind: "loading" };
    const state = this.blocks.get(Math.floor(index / this.blockSize));
    if (!state || state.kind === "loading") return { kind: "loading" };
    if (state.kind === "error") return { kind: "error", error: state.error };
    const task = state.items[index % this.blockSize];
    if (!task) return { kind: "loading" };
    const override = this.overrides.get(task.id);
    if (override === null) return { kind: "row", task, deleting: true };
    if (this.gone.has(task.id)) return { kind: "row", task, deleting: false, gone: true };
    return { kind: "row", task: override ?? task, deleting: false };
  }

  /** Blocks (of the fetched order) covering its rows [first, last], clamped to the known total. */
  private blocksFor(first: number, last: number): number[] {
    const end = this.total === null ? last : Math.min(last, this.total - 1);
    if (end < first || first < 0) return [];
    const result: number[] = [];
    for (let block = Math.floor(first / this.blockSize); block <= Math.floor(end / this.blockSize); block++) {
      result.push(block);
    }
    return result;
  }

  /** Every block the rows [first, last] need has an answer (rows or an error). */
  settled(first: number, last: number): boolean {
    if (this.total === 0) return true;
    if (this.fromEnd && this.total === null) return false;
    const range = this.toStore(first, last);
    const needed = this.blocksFor(range.first, range.last);
    if (needed.length === 0) return this.total !== null;
    return needed.every((block) => {
      const state = this.blocks.get(block);
      return state !== undefined && state.kind !== "loading";
    });
  }

  /**
   * The viewport now shows rows [first, last]: fetch what is missing, abort what stopped mattering.
   * `prefetch: false` (a thumb still held down) fetches only the rows on screen.
   */
  ensure(viewFirst: number, viewLast: number, { prefetch = true } = {}): void {
    const { first, last } = this.toStore(viewFirst, viewLast);
    this.prefetching = prefetch;
    this.ensureStore(first, last);
  }

  private ensureStore(first: number, last: number): void {
    if (this.disposed) return;
    this.wanted = { first, last };
    const around = this.prefetching ? this.prefetch * this.blockSize : 0;
    const wantedBlocks = new Set(this.blocksFor(Math.max(0, first - around), last + around));
    for (const [block, state] of this.blocks) {
      if (state.kind === "loading" && !wantedBlocks.has(block)) {
        state.controller.abort();
        this.blocks.delete(block);
      }
    }
    // The rows on screen first; the blocks around them only once those have answered, so a jump
    // costs one or two requests before its rows show (and an abandoned one wasted no prefetch).
    const visible = this.blocksFor(first, last);
    for (const block of visible) if (!this.blocks.has(block)) this.load(block);
    const visibleAnswered = visible.every((block) => this.blocks.get(block)?.kind !== "loading");
    if (visibleAnswered) {
      for (const block of [...wantedBlocks].sort((a, b) => a - b)) {
        if (!this.blocks.has(block)) this.load(block);
      }
    }
    this.evict();
  }

  /** Forget failed blocks and fetch the wanted range again. */
  retry(): void {
    for (const [block, state] of this.blocks) if (state.kind === "error") this.blocks.delete(block);
    this.lastError = null;
    this.ensureStore(this.wanted.first, this.wanted.last);
    this.emit();
  }

  /** Shows `task` (or, with null, a pending delete) in place of the loaded row; returns the undo. */
  override(id: string, task: Task | null): () => void {
    const had = this.overrides.has(id);
    const previous = this.overrides.get(id);
    this.overrides.set(id, task);
    this.emit();
    return () => {
      if (had) this.overrides.set(id, previous ?? null);
      else this.overrides.delete(id);
      this.emit();
    };
  }

  /**
   * A newer version of a loaded row (live feed): replaced in place, nothing shifts. Returns whether
   * the row is loaded here. An optimistic override of the same row still wins (being edited).
   */
  applyRemote(task: Task): boolean {
    let found = false;
    for (const state of this.blocks.values()) {
      if (state.kind !== "ready") continue;
      const index = state.items.findIndex((item) => item.id === task.id);
      const current = state.items[index];
      if (!current) continue;
      found = true;
      if (current.version < task.version) state.items[index] = task;
    }
    if (found) this.emit();
    return found;
  }

  /** A loaded row deleted elsewhere (live feed): marked where it is rather than removed. */
  markGone(id: string): boolean {
    for (const state of this.blocks.values()) {
      if (state.kind === "ready" && state.items.some((item) => item.id === id)) {
        this.gone.add(id);
        this.emit();
        return true;
      }
    }
    return false;
  }

  /** Every loaded task, in no particular order (for suggestions drawn from what is on hand). */
  *loadedTasks(): Generator<Task> {
    for (const state of this.blocks.values()) if (state.kind === "ready") yield* state.items;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const state of this.blocks.values()) if (state.kind === "loading") state.controller.abort();
    this.blocks.clear();
    this.listeners.clear();
  }

  private request(block: number): PageRequest {
    const previous = this.blocks.get(block - 1);
    if (
      previous?.kind === "ready" &&
      previous.nextCursor !== null &&
      previous.items.length === this.blockSize
    ) {
      return { limit: this.blockSize, cursor: previous.nextCursor };
    }
    return { limit: this.blockSize, offset: block * this.blockSize };
  }

  private load(block: number): void {
    const controller = new AbortController();
    const state: BlockState = { kind: "loading", controller };
    this.blocks.set(block, state);
    this.requests++;
    this.fetchPage(this.request(block), controller.signal).then(
      (page) => {
        if (this.disposed || this.blocks.get(block) !== state) return;
        this.blocks.set(block, { kind: "ready", items: page.items, nextCursor: page.nextCursor });
        this.applyTotal(block, page);
        this.ensureStore(this.wanted.first, this.wanted.last);
        this.emit();
      },
      (error: unknown) => {
        if (this.disposed || this.blocks.get(block) !== state || isAbort(error)) return;
        this.blocks.set(block, { kind: "error", error });
        this.lastError = error;
        this.emit();
      },
    );
  }

  private applyTotal(block: number, page: TaskPage): void {
    const start = block * this.blockSize;
    if (this.total === null || page.total.exact) {
      this.total = page.total.value;
      this.exact = page.total.exact;
    }
    // An estimate is corrected by what the rows themselves prove.
    if (page.items.length < this.blockSize && page.nextCursor === null) {
      if (page.items.length > 0 || start <= this.total) {
        this.total = start + page.items.length;
        this.exact = this.exact || page.items.length > 0;
      }
    } else if (page.nextCursor !== null && start + page.items.length >= this.total) {
      this.total = start + page.items.length + 1;
      this.exact = false;
    }
  }

  private evict(): void {
    const ready = [...this.blocks.entries()].filter(([, state]) => state.kind !== "loading");
    if (ready.length <= this.maxBlocks) return;
    const centre = Math.floor((this.wanted.first + this.wanted.last) / 2 / this.blockSize);
    ready.sort(([a], [b]) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const [block] of ready.slice(0, ready.length - this.maxBlocks)) this.blocks.delete(block);
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

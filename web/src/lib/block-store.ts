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
  private disposed = false;

  constructor(
    readonly key: string,
    private readonly fetchPage: FetchPage,
    options: BlockStoreOptions = {},
  ) {
    this.blockSize = options.blockSize ?? BLOCK_SIZE;
    this.prefetch = options.prefetch ?? 1;
    this.maxBlocks = options.maxBlocks ?? 40;
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

  rowAt(index: number): RowState {
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

  /** Blocks covering rows [first, last], clamped to the known total. */
  blocksFor(first: number, last: number): number[] {
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
    const needed = this.blocksFor(first, last);
    if (needed.length === 0) return this.total !== null;
    return needed.every((block) => {
      const state = this.blocks.get(block);
      return state !== undefined && state.kind !== "loading";
    });
  }

  /** The viewport now shows rows [first, last]: fetch what is missing, abort what stopped mattering. */
  ensure(first: number, last: number): void {
    if (this.disposed) return;
    this.wanted = { first, last };
    const wantedBlocks = new Set(
      this.blocksFor(
        Math.max(0, first - this.prefetch * this.blockSize),
        last + this.prefetch * this.blockSize,
      ),
    );
    for (const [block, state] of this.blocks) {
      if (state.kind === "loading" && !wantedBlocks.has(block)) {
        state.controller.abort();
        this.blocks.delete(block);
      }
    }
    for (const block of [...wantedBlocks].sort((a, b) => a - b)) {
      if (!this.blocks.has(block)) this.load(block);
    }
    this.evict();
  }

  /** Forget failed blocks and fetch the wanted range again. */
  retry(): void {
    for (const [block, state] of this.blocks) if (state.kind === "error") this.blocks.delete(block);
    this.lastError = null;
    this.ensure(this.wanted.first, this.wanted.last);
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

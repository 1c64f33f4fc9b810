// Switches between queries without flashing: a new query (or a refresh after a write) gets its own
// BlockStore, loaded in the background while the previous one stays on screen; it is promoted only
// once the rows it must show first have answered. A newer query discards an older pending one
// (aborting its requests), so results can never arrive out of order.
import { BlockStore, type BlockStoreOptions, type FetchPage } from "./block-store";

export interface FeedRange {
  first: number;
  last: number;
}

export interface FeedQuery {
  /** Identity of the filters and sort; a new key means the view starts at `startRow`. */
  queryKey: string;
  /** Bumped after writes: same query, fresh rows, same position. */
  revision: number;
  fetchPage: FetchPage;
  /** Pages through the same rows in the reversed order (for a view shown from its end). */
  fetchReversed?: FetchPage;
  startRow: number;
  /** The query narrows the rows (filters or a search): counts then read "N tasks match". */
  filtered?: boolean;
}

/** Which end of a view its rows are counted from (see BlockStoreOptions.fromEnd). */
export type FeedAnchor = "start" | "end";

/** A start row past any real row: the view opens at its last screenful. */
export const END_ROW = Number.MAX_SAFE_INTEGER;

/** Rows shown before the viewport has been measured. */
export const INITIAL_ROWS = 60;

export class RowFeed {
  shown: BlockStore | null = null;
  pending: BlockStore | null = null;
  /** Row the shown store wants to be scrolled to when it was promoted (null: keep position). */
  startRow: number | null = null;
  private pendingStart: number | null = null;
  private pendingRange: FeedRange = { first: 0, last: INITIAL_ROWS };
  private range: FeedRange = { first: 0, last: INITIAL_ROWS };
  private shownQuery: string | null = null;
  /** Whether the shown rows are a filtered query's (the summary's wording follows the rows). */
  shownFiltered = false;
  private pendingFiltered = false;
  private query: FeedQuery | null = null;
  private currentAnchor: FeedAnchor = "start";
  private pendingQuery: string | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: BlockStoreOptions = {}) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The query the view asks for; no-op when it is what is shown or already pending. */
  setQuery(query: FeedQuery): void {
    // Another query starts from its first row; the same one (a refresh) keeps its end.
    if (query.queryKey !== this.query?.queryKey) this.currentAnchor = "start";
    this.query = query;
    const sameQuery = this.shownQuery === query.queryKey;
    this.load(sameQuery ? null : query.startRow);
  }

  get anchor(): FeedAnchor {
    return this.currentAnchor;
  }

  /**
   * Counts the view's rows from its end (and shows the last ones) or from its start again (and
   * shows the first ones): one request for either end, whatever the total's estimate says.
   */
  showEdge(anchor: FeedAnchor): void {
    if (!this.query || (anchor === "end" && !this.query.fetchReversed)) return;
    this.currentAnchor = anchor;
    this.load(anchor === "end" ? END_ROW : 0, true);
  }

  private load(startRow: number | null, force = false): void {
    const query = this.query;
    if (!query) return;
    const key = `${query.queryKey}#${query.revision}#${this.anchor}`;
    const current = this.pending?.key === key || (this.pending === null && this.shown?.key === key);
    if (current && !force) return;
    this.pending?.dispose();
    const fromEnd = this.anchor === "end";
    const store = new BlockStore(
      key,
      fromEnd && query.fetchReversed ? query.fetchReversed : query.fetchPage,
      {
        ...this.options,
        fromEnd,
      },
    );
    this.pending = store;
    this.pendingQuery = query.queryKey;
    this.pendingFiltered = query.filtered ?? false;
    this.pendingStart = startRow;
    const rows = this.range.last - this.range.first || INITIAL_ROWS;
    this.pendingRange =
      startRow === null
        ? this.range
        : startRow === END_ROW
          ? { first: END_ROW - rows, last: END_ROW }
          : { first: startRow, last: startRow + rows };
    store.subscribe(() => this.onPendingChange(store));
    store.ensure(this.pendingRange.first, this.pendingRange.last);
    this.emit();
  }

  /**
   * A person's jump ("Go to row") while another query is still loading: that query opens at the
   * jump, not at its own start row, which would otherwise undo the jump when it lands. Returns
   * whether a loading query took the jump over (a refresh keeps its position and needs nothing).
   */
  jumpPending(row: number): boolean {
    const store = this.pending;
    if (!store || this.pendingStart === null || this.pendingStart === END_ROW) return false;
    const rows = this.pendingRange.last - this.pendingRange.first || INITIAL_ROWS;
    this.pendingStart = row;
    this.pendingRange = { first: row, last: row + rows };
    store.ensure(this.pendingRange.first, this.pendingRange.last);
    return true;
  }

  /** The viewport shows rows [first, last] of the shown store. */
  request(first: number, last: number, options?: { prefetch?: boolean }): void {
    this.range = { first, last };
    this.shown?.ensure(first, last, options);
  }

  /** Error from the pending load (shown next to the still visible previous rows), else the shown store's. */
  get error(): unknown {
    return this.pending?.lastError ?? this.shown?.lastError ?? null;
  }

  retry(): void {
    this.pending?.retry();
    this.shown?.retry();
  }

  dispose(): void {
    this.pending?.dispose();
    this.shown?.dispose();
    this.pending = null;
    this.shown = null;
    this.listeners.clear();
  }

  private onPendingChange(store: BlockStore): void {
    if (store !== this.pending) return;
    const { first, last } = this.pendingRange;
    if (store.settled(first, last) && store.lastError === null) {
      this.shown?.dispose();
      this.shown = store;
      this.shownQuery = this.pendingQuery;
      this.shownFiltered = this.pendingFiltered;
      this.startRow = this.pendingStart;
      this.pending = null;
      store.subscribe(() => {
        if (store === this.shown) this.emit();
      });
      if (this.startRow !== null) this.range = this.pendingRange;
    } else if (store.lastError !== null) {
      // The failing query is shown (its error, no rows): the previous query's rows under a new
      // search term would claim they match it.
      this.shown?.dispose();
      this.shown = store;
      this.shownQuery = this.pendingQuery;
      this.shownFiltered = this.pendingFiltered;
      this.startRow = this.pendingStart;
      this.pending = null;
      store.subscribe(() => {
        if (store === this.shown) this.emit();
      });
    }
    this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

// Windowed scrolling past the browser's element-height cap. Chromium caps an element at
// 33,554,428 px (and positions above 2^24 px lose precision), so a table of 10,000,000 rows of
// 36 px cannot exist as one scrollable element. Virtuoso gets a window of at most WINDOW_ROWS rows
// (3.6 M px); `base` is the global index of the window's first row. Native scrolling moves inside
// the window; when the viewport nears a window edge the window is recentred (base and scrollTop
// shift by the same number of rows, so nothing visible moves), and jumps from the custom scrollbar
// or keyboard place a new window around the target. Everything here is pure arithmetic.

export const ROW_HEIGHT = 36;
export const WINDOW_ROWS = 100_000;
/** Recentre once the top row is closer than this to either edge of the window. */
export const RECENTRE_MARGIN = 20_000;

export interface RowWindow {
  /** Global index of the window's row 0. */
  base: number;
  /** Rows inside the window (what Virtuoso's totalCount is). */
  count: number;
}

export interface WindowPlacement extends RowWindow {
  /** scrollTop of the window's scroller, in px. */
  scrollTop: number;
}

export function windowSize(total: number, windowRows = WINDOW_ROWS): number {
  return Math.max(0, Math.min(windowRows, total));
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/** The highest row that can be the top visible row (the last row then sits at the bottom). */
export function maxTopRow(total: number, visibleRows: number): number {
  return Math.max(0, total - Math.max(1, visibleRows));
}

/** A window of `count` rows centred on `row`, kept inside [0, total). */
export function centredBase(row: number, total: number, windowRows = WINDOW_ROWS): number {
  const count = windowSize(total, windowRows);
  return clamp(Math.floor(row - count / 2), 0, total - count);
}

/**
 * Where to put the window and the scroller so that global row `topRow` (fractional rows keep
 * sub-row offsets) is the top visible row. Keeps the current window when the target fits in it
 * away from its edges, so in-window jumps don't re-render every row.
 */
export function placeTop(
  topRow: number,
  current: RowWindow,
  total: number,
  visibleRows: number,
  windowRows = WINDOW_ROWS,
  margin = RECENTRE_MARGIN,
): WindowPlacement {
  const count = windowSize(total, windowRows);
  const top = clamp(topRow, 0, maxTopRow(total, visibleRows));
  let base = current.count === count ? current.base : 0;
  const local = top - base;
  const fits = local >= 0 && local + visibleRows <= count;
  const nearEdge =
    (local < margin && base > 0) || (local + visibleRows > count - margin && base + count < total);
  if (!fits || nearEdge) base = centredBase(top, total, windowRows);
  return { base, count, scrollTop: Math.max(0, (top - base) * ROW_HEIGHT) };
}

/**
 * After native scrolling: if the viewport is near a window edge with more rows beyond it, the
 * placement that shows exactly the same rows from a recentred window; otherwise null.
 */
export function recentre(
  scrollTop: number,
  current: RowWindow,
  total: number,
  visibleRows: number,
  windowRows = WINDOW_ROWS,
  margin = RECENTRE_MARGIN,
): WindowPlacement | null {
  const local = scrollTop / ROW_HEIGHT;
  const nearTop = local < margin && current.base > 0;
  const nearBottom = local + visibleRows > current.count - margin && current.base + current.count < total;
  if (!nearTop && !nearBottom) return null;
  const globalTop = current.base + local;
  const base = centredBase(globalTop, total, windowRows);
  if (base === current.base) return null;
  return { base, count: current.count, scrollTop: scrollTop + (current.base - base) * ROW_HEIGHT };
}

/** The global (fractional) top row for a scroller position inside a window. */
export function globalTop(scrollTop: number, window: RowWindow): number {
  return window.base + scrollTop / ROW_HEIGHT;
}

export interface VisibleRange {
  /** 0-based global index of the first visible row. */
  first: number;
  /** 0-based global index of the last visible row (inclusive). */
  last: number;
}

export function visibleRange(top: number, visibleRows: number, total: number): VisibleRange | null {
  if (total <= 0) return null;
  const first = clamp(Math.floor(top + 0.001), 0, total - 1);
  const last = clamp(Math.ceil(top + visibleRows - 0.001) - 1, first, total - 1);
  return { first, last };
}

const numberFormat = new Intl.NumberFormat("en-US");

export function formatCount(value: number): string {
  return numberFormat.format(value);
}

/** "rows 4,812,001–4,812,040 of 10,000,000" (1-based, inclusive, as people count). */
export function rangeLabel(range: VisibleRange | null, total: number, exact = true): string {
  const of = `${exact ? "" : "about "}${formatCount(total)}`;
  if (!range) return `0 rows of ${of}`;
  return `rows ${formatCount(range.first + 1)}–${formatCount(range.last + 1)} of ${of}`;
}

export interface ThumbGeometry {
  /** Thumb height in px. */
  size: number;
  /** Thumb offset from the top of the track in px. */
  offset: number;
}

export const MIN_THUMB = 28;

/** The custom scrollbar's thumb for a (fractional) top row. */
export function thumbFor(top: number, total: number, visibleRows: number, trackPx: number): ThumbGeometry {
  if (trackPx <= 0) return { size: 0, offset: 0 };
  const ratioVisible = total > 0 ? Math.min(1, visibleRows / total) : 1;
  const size = Math.min(trackPx, Math.max(MIN_THUMB, Math.round(trackPx * ratioVisible)));
  const maxTop = maxTopRow(total, visibleRows);
  const progress = maxTop > 0 ? clamp(top / maxTop, 0, 1) : 0;
  return { size, offset: progress * (trackPx - size) };
}

/** The top row for a thumb dragged to `offset` px; the bottom of the track is the last row. */
export function topForThumb(
  offset: number,
  total: number,
  visibleRows: number,
  trackPx: number,
  size: number,
): number {
  const travel = trackPx - size;
  const maxTop = maxTopRow(total, visibleRows);
  if (travel <= 0 || maxTop <= 0) return 0;
  const progress = clamp(offset / travel, 0, 1);
  // The bottom of the track is exactly the end (maxTop is fractional when a row is cut off).
  return progress === 1 ? maxTop : Math.round(progress * maxTop);
}

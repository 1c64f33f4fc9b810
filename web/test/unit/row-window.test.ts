import { describe, expect, it } from "vitest";
import {
  centredBase,
  globalTop,
  placeTop,
  RECENTRE_MARGIN,
  ROW_HEIGHT,
  rangeLabel,
  recentre,
  thumbFor,
  topForThumb,
  visibleRange,
  WINDOW_ROWS,
} from "../../src/lib/row-window";

const TEN_MILLION = 10_000_000;
/** Chromium's cap on an element's height. */
const HEIGHT_CAP = 33_554_428;

describe("placeTop", () => {
  it("when the list is small, then the window is the whole list and never moves", () => {
    const place = placeTop(500, { base: 0, count: 1000 }, 1000, 20);
    expect(place).toEqual({ base: 0, count: 1000, scrollTop: 500 * ROW_HEIGHT });
  });

  it("when jumping to row 9,999,999 of 10M, then the window ends at the list's end and stays under the height cap", () => {
    const visible = 20;
    const place = placeTop(TEN_MILLION, { base: 0, count: WINDOW_ROWS }, TEN_MILLION, visible);
    expect(place.base + place.count).toBe(TEN_MILLION);
    expect(place.count * ROW_HEIGHT).toBeLessThan(HEIGHT_CAP);
    const top = globalTop(place.scrollTop, place);
    expect(top).toBe(TEN_MILLION - visible);
    expect(visibleRange(top, visible, TEN_MILLION)).toEqual({
      first: TEN_MILLION - 20,
      last: TEN_MILLION - 1,
    });
  });

  it("when the target is well inside the current window, then the window is kept", () => {
    const current = { base: 1_000_000, count: WINDOW_ROWS };
    const place = placeTop(1_050_000, current, TEN_MILLION, 20);
    expect(place.base).toBe(1_000_000);
    expect(place.scrollTop).toBe(50_000 * ROW_HEIGHT);
  });

  it("when the target is near a window edge, then a window centred on it is placed", () => {
    const current = { base: 1_000_000, count: WINDOW_ROWS };
    const place = placeTop(1_000_010, current, TEN_MILLION, 20);
    expect(place.base).toBe(centredBase(1_000_010, TEN_MILLION));
    expect(globalTop(place.scrollTop, place)).toBe(1_000_010);
  });

  it("when the target is before the first row, then it is clamped to row 0", () => {
    expect(placeTop(-50, { base: 0, count: WINDOW_ROWS }, TEN_MILLION, 20).scrollTop).toBe(0);
  });

  it("when a fractional number of rows is visible, then the end is reached exactly, not a rounded row before", () => {
    const place = placeTop(Number.MAX_SAFE_INTEGER, { base: 0, count: 100 }, 100, 15.5);
    expect(globalTop(place.scrollTop, place)).toBe(84.5);
  });
});

describe("recentre", () => {
  it("when the viewport is in the middle of the window, then nothing moves", () => {
    expect(recentre(50_000 * ROW_HEIGHT, { base: 500_000, count: WINDOW_ROWS }, TEN_MILLION, 20)).toBeNull();
  });

  it("when scrolling reaches the bottom margin, then the same global row stays on top of a recentred window", () => {
    const current = { base: 500_000, count: WINDOW_ROWS };
    const scrollTop = (WINDOW_ROWS - RECENTRE_MARGIN) * ROW_HEIGHT + 7; // 7 px into a row
    const place = recentre(scrollTop, current, TEN_MILLION, 20);
    expect(place).not.toBeNull();
    expect(place?.base).toBeGreaterThan(current.base);
    expect(globalTop(place?.scrollTop ?? 0, place ?? current)).toBeCloseTo(globalTop(scrollTop, current), 9);
  });

  it("when scrolling up into the top margin, then the window moves back", () => {
    const current = { base: 500_000, count: WINDOW_ROWS };
    const place = recentre(100 * ROW_HEIGHT, current, TEN_MILLION, 20);
    expect(place?.base).toBeLessThan(current.base);
    expect(globalTop(place?.scrollTop ?? 0, place ?? current)).toBe(500_100);
  });

  it("when the window already touches the list's end, then scrolling to the end does not recentre", () => {
    const current = { base: TEN_MILLION - WINDOW_ROWS, count: WINDOW_ROWS };
    expect(recentre((WINDOW_ROWS - 20) * ROW_HEIGHT, current, TEN_MILLION, 20)).toBeNull();
  });
});

describe("the custom scrollbar", () => {
  it("when the thumb is dragged to the bottom, then the last row is shown", () => {
    const thumb = thumbFor(0, TEN_MILLION, 20, 600);
    const top = topForThumb(600, TEN_MILLION, 20, 600, thumb.size);
    expect(visibleRange(top, 20, TEN_MILLION)?.last).toBe(TEN_MILLION - 1);
  });

  it("when at the top, then the thumb is at the top with at least the minimum size", () => {
    expect(thumbFor(0, TEN_MILLION, 20, 600)).toEqual({ size: 28, offset: 0 });
  });

  it("when half way, then the thumb is half way down its travel and maps back to the same row", () => {
    const maxTop = TEN_MILLION - 20;
    const thumb = thumbFor(maxTop / 2, TEN_MILLION, 20, 600);
    expect(thumb.offset).toBeCloseTo((600 - thumb.size) / 2, 6);
    expect(topForThumb(thumb.offset, TEN_MILLION, 20, 600, thumb.size)).toBe(maxTop / 2);
  });

  it("when every row fits, then the thumb fills the track", () => {
    expect(thumbFor(0, 10, 20, 600)).toEqual({ size: 600, offset: 0 });
  });
});

describe("rangeLabel", () => {
  it("when showing rows deep in the list, then it counts from 1 with separators", () => {
    expect(rangeLabel({ first: 4_812_000, last: 4_812_039 }, TEN_MILLION)).toBe(
      "rows 4,812,001–4,812,040 of 10,000,000",
    );
  });

  it("when the total is an estimate, then it says so", () => {
    expect(rangeLabel({ first: 0, last: 9 }, 1200, false)).toBe("rows 1–10 of about 1,200");
  });

  it("when the list is empty, then it says 0 rows", () => {
    expect(rangeLabel(visibleRange(0, 20, 0), 0)).toBe("0 rows of 0");
  });
});

import { describe, expect, it } from "vitest";
import { MAX_SELECTION_IDS } from "#contract/constants";
import {
  exportFilter,
  extendTo,
  isEmpty,
  isSelected,
  NO_SELECTION,
  type SelectionState,
  selectAllMatching,
  selectedCount,
  selectedIds,
  selectionRequest,
  setAnchor,
  toggle,
} from "../../src/lib/selection";

/** Rows 0..99 hold tasks "t0".."t99"; rows from 50 on are not loaded. */
const idsBetween = (first: number, last: number) => {
  const ids: string[] = [];
  for (let row = first; row <= last; row++) if (row < 50) ids.push(`t${row}`);
  return ids;
};

const sorted = (state: SelectionState) =>
  selectedIds(state.selection).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));

describe("selection", () => {
  it("when nothing is selected, then the count is 0 and no request can be made", () => {
    expect(isEmpty(NO_SELECTION.selection)).toBe(true);
    expect(selectedCount(NO_SELECTION.selection)).toEqual({ value: 0, exact: true });
    expect(selectionRequest(NO_SELECTION.selection)).toBeNull();
  });

  it("when a row is toggled twice, then it is selected, then not, and it becomes the anchor", () => {
    const once = toggle(NO_SELECTION, "t3", 3);
    expect(isSelected(once.selection, "t3")).toBe(true);
    expect(once.anchor).toBe(3);
    const twice = toggle(once, "t3", 3);
    expect(isSelected(twice.selection, "t3")).toBe(false);
  });

  it("when shift-clicking after a click, then the rows from the anchor to the click are selected", () => {
    const state = extendTo(setAnchor(NO_SELECTION, 2), 5, idsBetween);
    expect(sorted(state)).toEqual(["t2", "t3", "t4", "t5"]);
    expect(state.anchor).toBe(2);
  });

  it("when a range is drawn upwards, then it runs from the row up to the anchor", () => {
    const state = extendTo(setAnchor(NO_SELECTION, 7), 4, idsBetween);
    expect(sorted(state)).toEqual(["t4", "t5", "t6", "t7"]);
  });

  it("when Shift+arrow moves back towards the anchor, then the range shrinks (what was selected before stays)", () => {
    let state = toggle(NO_SELECTION, "t20", 20); // selected before, by Ctrl-click
    state = toggle(state, "t3", 3); // anchor at 3
    state = extendTo(state, 4, idsBetween);
    state = extendTo(state, 5, idsBetween);
    expect(sorted(state)).toEqual(["t3", "t4", "t5", "t20"]);
    state = extendTo(state, 4, idsBetween);
    expect(sorted(state)).toEqual(["t3", "t4", "t20"]);
  });

  it("when a range reaches rows not loaded, then only loaded rows are selected (nothing is fetched)", () => {
    const state = extendTo(setAnchor(NO_SELECTION, 48), 60, idsBetween);
    expect(sorted(state)).toEqual(["t48", "t49"]);
  });

  it("when there is no anchor, then a shift-click selects that row alone and anchors there", () => {
    const state = extendTo(NO_SELECTION, 9, idsBetween);
    expect(sorted(state)).toEqual(["t9"]);
    expect(state.anchor).toBe(9);
  });

  it("when a plain click moves the anchor, then the next range starts there on top of the selection", () => {
    let state = extendTo(setAnchor(NO_SELECTION, 0), 1, idsBetween);
    state = setAnchor(state, 10);
    state = extendTo(state, 11, idsBetween);
    expect(sorted(state)).toEqual(["t0", "t1", "t10", "t11"]);
  });

  it("when all matching are selected, then every task counts, none is loaded, and the request is the filter", () => {
    const state = selectAllMatching({ status: "todo", sort: "-createdAt" }, 1_000_000, true);
    expect(isSelected(state.selection, "anything")).toBe(true);
    expect(selectedCount(state.selection)).toEqual({ value: 1_000_000, exact: true });
    expect(selectionRequest(state.selection)).toEqual({ filter: { status: "todo", sort: "-createdAt" } });
    expect(exportFilter(state.selection)).toEqual({ status: "todo", sort: "-createdAt" });
  });

  it("when rows are unticked from all matching, then they become exceptions and the count drops", () => {
    let state = selectAllMatching({ tag: "ops" }, 500, false);
    state = toggle(state, "t1", 1);
    state = toggle(state, "t2", 2);
    expect(isSelected(state.selection, "t1")).toBe(false);
    expect(selectedCount(state.selection)).toEqual({ value: 498, exact: false });
    expect(selectionRequest(state.selection)).toEqual({ filter: { tag: "ops" }, except: ["t1", "t2"] });
    // Not the whole view any more: an export cannot say "these 498" with a filter.
    expect(exportFilter(state.selection)).toBeNull();
    state = toggle(state, "t1", 1);
    expect(selectionRequest(state.selection)).toEqual({ filter: { tag: "ops" }, except: ["t2"] });
  });

  it("when a range is drawn inside all matching, then its rows come back out of the exceptions", () => {
    let state = selectAllMatching({}, 100, true);
    state = toggle(state, "t3", 3);
    state = toggle(state, "t4", 4);
    state = toggle(state, "t5", 5); // anchor 5, t3..t5 excepted
    state = extendTo(state, 3, idsBetween);
    expect(selectedCount(state.selection).value).toBe(100);
  });

  it("when rows are picked one by one, then the request names them by id with no filter", () => {
    const state = toggle(toggle(NO_SELECTION, "7", 0), "9", 1);
    expect(selectionRequest(state.selection)).toEqual({ filter: {}, ids: ["7", "9"] });
    expect(exportFilter(state.selection)).toBeNull();
  });

  it("when more ids are picked than one request may carry, then no request is made", () => {
    const many = (count: number) => Array.from({ length: count }, (_, index) => String(index + 1));
    const state = extendTo(setAnchor(NO_SELECTION, 0), MAX_SELECTION_IDS, (first, last) =>
      many(last - first + 1),
    );
    expect(selectedCount(state.selection).value).toBe(MAX_SELECTION_IDS + 1);
    expect(selectionRequest(state.selection)).toBeNull();
  });
});

// Which tasks the person has selected, as a value: pure, so every rule is unit-tested.
// A selection is either a set of task ids (clicks, ranges, the keyboard) or "every task matching
// the view" held as the view's filter plus the ids taken out of it, so selecting all of 1,000,000
// matches never loads a row; the server resolves the filter when a bulk job runs.
import { MAX_SELECTION_IDS } from "#contract/constants";
import type { SelectionInput } from "#contract/selection";

/** The list query's filter as strings (api.ts `filterOf`), as a selection request carries it. */
export type Filter = Record<string, string>;

export type Selection =
  | { kind: "ids"; ids: ReadonlySet<string> }
  | {
      kind: "all";
      filter: Filter;
      /** How many matched when everything was selected (the list's total then). */
      total: number;
      exact: boolean;
      except: ReadonlySet<string>;
    };

/**
 * The selection plus where a range starts: `anchor` is the global row last clicked or toggled,
 * and `base` the selection as it was then, so a shift-click or Shift+arrow redraws the range from
 * the anchor (shrinking it when the person moves back) on top of what was selected before.
 */
export interface SelectionState {
  selection: Selection;
  anchor: number | null;
  base: Selection;
}

export const NOTHING: Selection = { kind: "ids", ids: new Set() };
export const NO_SELECTION: SelectionState = { selection: NOTHING, anchor: null, base: NOTHING };

export function isSelected(selection: Selection, id: string): boolean {
  return selection.kind === "ids" ? selection.ids.has(id) : !selection.except.has(id);
}

export function isEmpty(selection: Selection): boolean {
  return selectedCount(selection).value === 0;
}

/** How many tasks are selected; inexact when "all" was selected over an estimated total. */
export function selectedCount(selection: Selection): { value: number; exact: boolean } {
  if (selection.kind === "ids") return { value: selection.ids.size, exact: true };
  return { value: Math.max(0, selection.total - selection.except.size), exact: selection.exact };
}

function withIds(selection: Selection, ids: readonly string[], selected: boolean): Selection {
  if (selection.kind === "ids") {
    const next = new Set(selection.ids);
    for (const id of ids) selected ? next.add(id) : next.delete(id);
    return { kind: "ids", ids: next };
  }
  const except = new Set(selection.except);
  for (const id of ids) selected ? except.delete(id) : except.add(id);
  return { ...selection, except };
}

/** Ctrl/Cmd-click, Space or a row's checkbox: flips one task and makes its row the anchor. */
export function toggle(state: SelectionState, id: string, row: number): SelectionState {
  const selection = withIds(state.selection, [id], !isSelected(state.selection, id));
  return { selection, anchor: row, base: selection };
}

/** A plain click: the anchor moves to the row, the selection stays. */
export function setAnchor(state: SelectionState, row: number): SelectionState {
  return { ...state, anchor: row, base: state.selection };
}

/**
 * Shift-click or Shift+arrow to `row`: the rows from the anchor to `row` are selected on top of
 * what was selected when the anchor was set. `idsBetween` gives the task ids of the loaded rows
 * in [first, last]; with no anchor yet, the range is the row alone and it becomes the anchor.
 */
export function extendTo(
  state: SelectionState,
  row: number,
  idsBetween: (first: number, last: number) => string[],
): SelectionState {
  const anchor = state.anchor ?? row;
  const first = Math.min(anchor, row);
  const last = Math.max(anchor, row);
  return {
    selection: withIds(state.base, idsBetween(first, last), true),
    anchor,
    base: state.base,
  };
}

/** "Select all N matching": the view's filter, nothing excepted, no rows loaded. */
export function selectAllMatching(filter: Filter, total: number, exact: boolean): SelectionState {
  const selection: Selection = { kind: "all", filter, total, exact, except: new Set() };
  return { selection, anchor: null, base: selection };
}

/** The ids selected one by one, in a stable order (tests, announcements). */
export function selectedIds(selection: Selection): string[] {
  return selection.kind === "ids" ? [...selection.ids] : [];
}

/**
 * The selection as POST /tasks/bulk takes it: tasks picked one by one are named by id (whatever
 * filter shows them now: a picked task that since left the view is still the one meant), and
 * "all matching" is the view's filter minus the ids taken out of it. Null when the request could
 * not carry it (more ids than the API takes in one selection).
 */
export function selectionRequest(selection: Selection): SelectionInput | null {
  if (selection.kind === "ids") {
    if (selection.ids.size === 0 || selection.ids.size > MAX_SELECTION_IDS) return null;
    return { filter: {}, ids: [...selection.ids] };
  }
  if (selection.except.size > MAX_SELECTION_IDS) return null;
  const except = [...selection.except];
  return except.length ? { filter: selection.filter, except } : { filter: selection.filter };
}

/** "Export selection": a selection that is a whole view exports as that view's filter. */
export function exportFilter(selection: Selection): Filter | null {
  return selection.kind === "all" && selection.except.size === 0 ? selection.filter : null;
}

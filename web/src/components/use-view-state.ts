import { useCallback, useEffect, useRef, useState } from "react";
import { parseViewState, serializeViewState, type ViewState } from "../lib/url-state";

/**
 * How a change reaches the browser's history. A person expects Back to undo what they did (a
 * sort, a filter, a search, a jump, opening a task), not to leave the app, and not to replay
 * every row they scrolled past or every letter they typed:
 * - "push": a new entry (view changes);
 * - "replace": the current entry, written once scrolling pauses;
 * - "typing": a new entry for the first change of a run of edits to the same field, then replace;
 * - "jump": a new entry even though only the position changed (Go to row).
 */
export type HistoryMode = "push" | "replace" | "typing" | "jump";

/** Set when Back/Forward restored a view: the grid goes to its row. */
export interface Restore {
  seq: number;
  row: number;
}

interface Pending {
  mode: HistoryMode;
  field: string;
}

const LAST_VIEW_KEY = "task-grid.last-view";

/** Remembers the view for the next visit (the drawer excepted: a task may be gone by then). */
function remember(view: ViewState) {
  try {
    localStorage.setItem(LAST_VIEW_KEY, serializeViewState({ ...view, task: null }));
  } catch {
    // No storage (private mode, quota): the next visit starts from the default view.
  }
}

/**
 * The view a visit starts with: the URL's, or, when the site is opened bare, the one the person
 * left last time (written into the URL, so that it can be shared and Back stays within the page).
 */
function initialView(): ViewState {
  if (!window.location.search) {
    let last: string | null = null;
    try {
      last = localStorage.getItem(LAST_VIEW_KEY);
    } catch {
      last = null;
    }
    if (last?.startsWith("?")) {
      const view = parseViewState(last);
      window.history.replaceState(
        window.history.state,
        "",
        `${window.location.pathname}${serializeViewState(view)}${window.location.hash}`,
      );
      return view;
    }
  }
  return parseViewState(window.location.search);
}

function write(view: ViewState, push: boolean, state: unknown = null) {
  remember(view);
  const url = `${window.location.pathname}${serializeViewState(view)}${window.location.hash}`;
  if (push) window.history.pushState(state, "", url);
  else if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    // A task created in a drawer opened from this entry is still what the entry opened.
    const opened = (window.history.state as { openedTask?: string } | null)?.openedTask;
    window.history.replaceState(
      opened && view.task ? { openedTask: view.task } : window.history.state,
      "",
      url,
    );
  }
}

/** The view state, mirrored into the URL and the history (see HistoryMode). */
export function useViewState(): [
  ViewState,
  (patch: Partial<ViewState>, mode?: HistoryMode) => void,
  Restore | null,
] {
  const [view, setView] = useState<ViewState>(initialView);
  const [restore, setRestore] = useState<Restore | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const pending = useRef<Pending | null>(null);
  const lastTyped = useRef<string | null>(null);
  const written = useRef(view);

  useEffect(() => {
    const onPop = () => {
      clearTimeout(timer.current);
      pending.current = null;
      lastTyped.current = null;
      const next = parseViewState(window.location.search);
      written.current = next;
      setView(next);
      setRestore((current) => ({ seq: (current?.seq ?? 0) + 1, row: next.row }));
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    clearTimeout(timer.current);
    const change = pending.current;
    pending.current = null;
    if (change && change.mode !== "replace") {
      const push = change.mode !== "typing" || lastTyped.current !== change.field;
      lastTyped.current = change.mode === "typing" ? change.field : null;
      if (push) {
        // The entry being left keeps where its view was scrolled to, for Back.
        write(written.current, false);
        write(view, true, view.task ? { openedTask: view.task } : null);
      } else write(view, false);
      written.current = view;
      return;
    }
    // Scrolling changes `row` every frame; the URL only needs where the user stopped.
    timer.current = setTimeout(() => {
      write(view, false);
      written.current = view;
    }, 250);
    return () => clearTimeout(timer.current);
  }, [view]);

  const update = useCallback((patch: Partial<ViewState>, mode: HistoryMode = "push") => {
    setView((current) => {
      const next = { ...current, ...patch };
      const changed = Object.keys(patch).filter(
        (key) => !Object.is(current[key as keyof ViewState], next[key as keyof ViewState]),
      );
      if (changed.length === 0) return current;
      // Only a new position (scrolling) is never worth an entry of its own.
      const onlyRow = changed.every((key) => key === "row");
      pending.current = {
        mode: onlyRow && mode !== "jump" ? "replace" : mode,
        field: changed.filter((key) => key !== "row").join(","),
      };
      return next;
    });
  }, []);

  return [view, update, restore];
}

/** Closes what the last history entry opened by going back to it, else replaces the entry. */
export function openedByHistory(task: string): boolean {
  const state = window.history.state as { openedTask?: string } | null;
  return state?.openedTask === task;
}

/** `value` after it stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

import {
  type Dispatch,
  type KeyboardEvent,
  type SetStateAction,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { flushSync } from "react-dom";
import { TableVirtuoso } from "react-virtuoso";
import { BLOCK_SIZE, type BlockStore } from "../lib/block-store";
import { type ColumnId, type ColumnLayout, visibleColumns } from "../lib/columns";
import { END_ROW, type FeedAnchor } from "../lib/row-feed";
import {
  clamp,
  formatCount,
  globalTop,
  maxTopRow,
  placeTop,
  ROW_HEIGHT,
  recentre,
  visibleRange,
  type WindowPlacement,
  windowSize,
} from "../lib/row-window";
import {
  extendTo,
  isSelected,
  NO_SELECTION,
  type Selection,
  type SelectionState,
  selectedCount,
  setAnchor,
  toggle,
} from "../lib/selection";
import { createSignal } from "../lib/signal";
import {
  GRID_COMPONENTS,
  type GridContext,
  HeaderRow,
  RowCells,
  type RowClick,
  tableMinWidth,
} from "./grid-parts";
import { type GridPosition, PositionLabel, RowScrollbar } from "./RowScrollbar";
import type { Restore } from "./use-view-state";

export interface GridTableProps {
  store: BlockStore | null;
  /** Changes whenever the store's rows change. */
  tick: number;
  /** Where a newly shown query starts (null: keep the position). */
  startRow: number | null;
  sort: string;
  selectedId: string | null;
  busy: boolean;
  onSort: (sort: string) => void;
  onOpen: (id: string) => void;
  onTopRow: (row: number) => void;
  /** Rows [first, last] are on screen; `prefetch: false` while a thumb is still held. */
  onRange: (first: number, last: number, prefetch?: boolean) => void;
  /** A jump reached an end of a view whose total is an estimate: load that end directly. */
  onEdge: (anchor: FeedAnchor) => void;
  /** "Go to row" took the grid to `row` (a history entry of its own). */
  onGoTo: (row: number) => void;
  /** Back/Forward restored a view: go to its row. */
  restore: Restore | null;
  selection: SelectionState;
  setSelection: Dispatch<SetStateAction<SelectionState>>;
  /** The header checkbox with nothing selected: select every task matching the view. */
  onSelectAll: () => void;
  layout: ColumnLayout;
  onResize: (id: ColumnId, width: number) => void;
}

/** Skeleton rows shown before the first answer says how many rows there are. */
const SKELETON_ROWS = 20;
const SCROLLER_ID = "task-grid-scroller";
/** More than the rows ever rendered at once, so slot keys stay unique among them. */
const KEY_SLOTS = 256;
/** Rows asked for beyond each edge of the viewport (what Virtuoso renders beyond it, 144 px). */
const OVERSCAN_ROWS = 4;
/**
 * A dragged thumb asks for the rows on screen once it has rested this long (and for the blocks
 * around them once it is let go): a 0.5 s drag used to send ~100 list requests, nearly all aborted.
 */
const DRAG_SETTLE_MS = 400;

/**
 * The grid: a TableVirtuoso over a window of at most WINDOW_ROWS rows whose first row is global
 * row `base`, plus a scrollbar for the whole list. See row-window.ts for the arithmetic.
 */
export function GridTable(props: GridTableProps) {
  const { store, tick, startRow, onRange, onTopRow, onOpen, onEdge, onGoTo, setSelection, layout } = props;
  const selection = props.selection.selection;
  const columns = useMemo(() => visibleColumns(layout), [layout]);
  const minWidth = useMemo(() => tableMinWidth(layout, columns), [layout, columns]);
  const rowCount = store?.total ?? SKELETON_ROWS;
  const count = windowSize(rowCount);
  const [rawBase, setBase] = useState(0);
  const base = clamp(rawBase, 0, rowCount - count);
  const [active, setActive] = useState<number | null>(null);
  const [, setHeightTick] = useState(0);
  const scroller = useRef<HTMLElement | null>(null);
  const adjusting = useRef(false);
  const pendingJump = useRef<number | null>(null);
  const topRowTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const settleTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const dragging = useRef(false);
  const live = useRef({ base, count, total: rowCount, exact: true, visibleRows: SKELETON_ROWS });
  live.current.base = base;
  live.current.count = count;
  live.current.total = rowCount;
  live.current.exact = store?.exact ?? true;

  const position = useMemo(
    () =>
      createSignal<GridPosition>(
        { top: 0, first: 0, last: -1, total: 0, exact: true, visibleRows: SKELETON_ROWS },
        (a, b) =>
          a.first === b.first &&
          a.last === b.last &&
          a.total === b.total &&
          a.exact === b.exact &&
          Math.abs(a.top - b.top) < 0.01 &&
          a.visibleRows === b.visibleRows,
      ),
    [],
  );

  /** `scrollTop` is passed when known, so a jump does not force a layout just to read it back. */
  const publish = useCallback(
    (scrollTop?: number) => {
      const element = scroller.current;
      if (!element) return;
      const { total, visibleRows, exact } = live.current;
      const known = store?.total != null;
      const top = globalTop(scrollTop ?? element.scrollTop, live.current);
      const range = known ? visibleRange(top, visibleRows, total) : null;
      position.set({
        top,
        first: range?.first ?? 0,
        last: range?.last ?? -1,
        total: known ? total : 0,
        exact,
        visibleRows,
      });
      clearTimeout(topRowTimer.current);
      if (known) topRowTimer.current = setTimeout(() => onTopRow(Math.floor(top + 0.001)), 300);
      // Rows are asked for from the global position, not from Virtuoso's rangeChanged: a jump that
      // lands its target at the same index inside a new window leaves Virtuoso's range unchanged,
      // so it would never report it (and the rows would stay skeletons).
      const first = Math.max(0, Math.floor(top) - OVERSCAN_ROWS);
      const last = Math.ceil(top + visibleRows) + OVERSCAN_ROWS;
      clearTimeout(settleTimer.current);
      if (dragging.current) {
        // While the thumb moves, only where it rests is worth a request.
        settleTimer.current = setTimeout(() => settle(top, first, last), DRAG_SETTLE_MS);
      } else onRange(first, last);
    },
    [position, store, onTopRow, onRange],
  );

  /**
   * Which end of the view a jump to `top` reaches when that end's position is only an estimate
   * (an inexact total): the rows there come from the first page of the order that starts at it.
   */
  const edgeOf = useCallback(
    (top: number): FeedAnchor | null => {
      const { exact, total, visibleRows } = live.current;
      if (exact || !store || store.total === null) return null;
      if (!store.fromEnd && top >= maxTopRow(total, visibleRows) - BLOCK_SIZE) return "end";
      if (store.fromEnd && top <= BLOCK_SIZE) return "start";
      return null;
    },
    [store],
  );

  function settle(top: number, first: number, last: number) {
    const edge = edgeOf(top);
    if (edge) onEdge(edge);
    else onRange(first, last, !dragging.current);
  }

  /**
   * Moves window and scroller together. Virtuoso is told about the new scrollTop by a synthetic
   * scroll event inside the same synchronous render, so the frame after shows the new rows, never
   * the old rows under new indices.
   */
  const apply = useCallback(
    (place: WindowPlacement, inCommit = false) => {
      const element = scroller.current;
      if (!element) return;
      const move = () => {
        live.current.base = place.base;
        setBase(place.base);
        element.scrollTop = place.scrollTop;
        element.dispatchEvent(new Event("scroll"));
      };
      adjusting.current = true;
      try {
        if (inCommit) move();
        else flushSync(move);
      } finally {
        adjusting.current = false;
      }
      publish(place.scrollTop);
    },
    [publish],
  );

  /** Places `topRow` at the top; a person's jump (not a restored position) may switch ends. */
  const jumpTo = useCallback(
    (topRow: number, inCommit = false, byUser = true) => {
      const { total, visibleRows } = live.current;
      const edge = byUser && !dragging.current ? edgeOf(topRow) : null;
      if (edge) {
        onEdge(edge);
        return;
      }
      apply(placeTop(topRow, live.current, total, visibleRows), inCommit);
    },
    [apply, edgeOf, onEdge],
  );

  const measure = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    const header = element.querySelector("thead")?.getBoundingClientRect().height ?? ROW_HEIGHT;
    live.current.visibleRows = Math.max(1, (element.clientHeight - header) / ROW_HEIGHT);
    publish();
  }, [publish]);

  const setScroller = useCallback((element: HTMLElement | Window | null) => {
    scroller.current = element instanceof HTMLElement ? element : null;
    // Chromium makes a scrollable box a Tab stop of its own; the table inside is the grid's one.
    if (element instanceof HTMLElement) element.tabIndex = -1;
  }, []);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const onScroll = () => {
      if (adjusting.current) return;
      const { total, visibleRows } = live.current;
      const place = recentre(element.scrollTop, live.current, total, visibleRows);
      if (place) apply(place);
      else publish();
    };
    element.addEventListener("scroll", onScroll, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    measure();
    return () => {
      element.removeEventListener("scroll", onScroll);
      observer.disconnect();
    };
  }, [apply, publish, measure]);

  useEffect(
    () => () => {
      clearTimeout(topRowTimer.current);
      clearTimeout(settleTimer.current);
    },
    [],
  );

  const onDrag = useCallback(
    (active: boolean) => {
      dragging.current = active;
      if (active) return;
      publish();
      const { top, first, last } = position.get();
      clearTimeout(settleTimer.current);
      settle(top, Math.max(0, first - OVERSCAN_ROWS), last + OVERSCAN_ROWS);
    },
    [publish, position],
  );

  // A newly promoted query: go to its start row (once the window has its new height).
  const storeReady = store !== null && store.total !== null;
  useLayoutEffect(() => {
    if (!store || store.total === null) return;
    if (startRow === null) {
      publish();
      return;
    }
    // A view switched to its end by End keeps the keyboard on its last row.
    setActive((current) => (startRow === END_ROW && current !== null ? rowCount - 1 : null));
    pendingJump.current = startRow;
  }, [store, storeReady]);

  useLayoutEffect(() => {
    const element = scroller.current;
    const target = pendingJump.current;
    if (target === null || !element) return;
    if (target > 0 && element.scrollHeight < live.current.count * ROW_HEIGHT) return;
    pendingJump.current = null;
    jumpTo(target, true, false);
  });

  useEffect(() => publish(), [publish, tick]);

  const restoreSeq = props.restore?.seq;
  useEffect(() => {
    if (props.restore && store?.total != null) jumpTo(props.restore.row, false, false);
  }, [restoreSeq]);

  const ensureVisible = useCallback(
    (row: number) => {
      const element = scroller.current;
      if (!element) return;
      const { visibleRows } = live.current;
      const top = globalTop(element.scrollTop, live.current);
      const full = Math.max(1, Math.floor(visibleRows));
      if (row < top) jumpTo(row);
      else if (row + 1 > top + full) jumpTo(row + 1 - full);
    },
    [jumpTo],
  );

  const taskIdAt = useCallback(
    (row: number): string | undefined => {
      const state = store?.rowAt(row);
      return state?.kind === "row" && !state.deleting && !state.gone ? state.task.id : undefined;
    },
    [store],
  );
  /** The loaded rows' ids in [first, last]; rows not loaded are not in a range (nothing to name). */
  const idsBetween = useCallback(
    (first: number, last: number): string[] => {
      const ids: string[] = [];
      for (let row = first; row <= last; row++) {
        const id = taskIdAt(row);
        if (id !== undefined) ids.push(id);
      }
      return ids;
    },
    [taskIdAt],
  );

  const openRow = useCallback(
    (row: number) => {
      const state = store?.rowAt(row);
      if (state?.kind === "row" && !state.deleting) onOpen(state.task.id);
    },
    [store, onOpen],
  );

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLTableElement>) => {
      if (event.target !== event.currentTarget) return;
      const { total, visibleRows } = live.current;
      if (!store || store.total === null || total === 0) return;
      const current = active ?? position.get().first;
      const page = Math.max(1, Math.floor(visibleRows) - 1);
      const moves: Record<string, number> = {
        ArrowDown: current + 1,
        ArrowUp: current - 1,
        PageDown: current + page,
        PageUp: current - page,
        Home: 0,
        End: total - 1,
      };
      if (event.key === "Enter") {
        event.preventDefault();
        openRow(current);
        return;
      }
      if (event.key === " ") {
        event.preventDefault();
        setActive(current);
        const id = taskIdAt(current);
        if (id !== undefined) setSelection((state) => toggle(state, id, current));
        return;
      }
      if (event.key === "Escape" && !isEmptyState(selection)) {
        event.preventDefault();
        setSelection(NO_SELECTION);
        return;
      }
      const target = moves[event.key];
      if (target === undefined) return;
      event.preventDefault();
      const next = clamp(target, 0, total - 1);
      setActive(next);
      ensureVisible(next);
      if (event.shiftKey) {
        // Shift+arrows extend a range from where it started (the row they left, the first time).
        setSelection((state) =>
          extendTo(state.anchor === null ? setAnchor(state, current) : state, next, idsBetween),
        );
      }
    },
    [active, store, position, ensureVisible, openRow, taskIdAt, idsBetween, selection, setSelection],
  );

  const onFocus = useCallback(() => {
    setActive((current) => {
      const { first, last } = position.get();
      return current !== null && current >= first && current <= last ? current : first;
    });
  }, [position]);

  const onRowClick = useCallback(
    (row: number, click: RowClick) => {
      setActive(row);
      if (click.shift) {
        setSelection((state) => extendTo(state, row, idsBetween));
        return;
      }
      const id = taskIdAt(row);
      if (click.toggle) {
        if (id !== undefined) setSelection((state) => toggle(state, id, row));
        return;
      }
      setSelection((state) => setAnchor(state, row));
      openRow(row);
    },
    [openRow, taskIdAt, idsBetween, setSelection],
  );

  const context = useMemo<GridContext>(
    () => ({
      base,
      total: store?.total ?? 0,
      store,
      active,
      selectedId: props.selectedId,
      selection,
      columns,
      minWidth,
      onRowClick,
      onKeyDown,
      onFocus,
      tick,
    }),
    [
      base,
      store,
      active,
      props.selectedId,
      selection,
      columns,
      minWidth,
      onRowClick,
      onKeyDown,
      onFocus,
      tick,
    ],
  );
  const picked = selectedCount(selection);
  const allState =
    picked.value === 0 ? "none" : selection.kind === "all" && selection.except.size === 0 ? "all" : "some";

  const [gotoError, setGotoError] = useState<string | null>(null);
  const goTo = (text: string) => {
    const { total } = live.current;
    const row = Number(text.replaceAll(/[,\s_]/g, ""));
    if (!text.trim() || !Number.isInteger(row) || row < 1 || (store?.exact !== false && row > total)) {
      setGotoError(`Enter a row number from 1 to ${formatCount(Math.max(1, total))}.`);
      return;
    }
    setGotoError(null);
    const target = clamp(row - 1, 0, total - 1);
    const top = Math.max(0, target - Math.floor(live.current.visibleRows / 2));
    setActive(target);
    jumpTo(top);
    onGoTo(top);
  };

  return (
    <div className={`grid${props.busy ? " busy" : ""}`} data-window-base={base} data-window-rows={count}>
      <div className="grid-body">
        <TableVirtuoso<unknown, GridContext>
          id={SCROLLER_ID}
          className="grid-scroller"
          scrollerRef={setScroller}
          totalCount={count}
          fixedItemHeight={ROW_HEIGHT}
          increaseViewportBy={{ top: 144, bottom: 144 }}
          // Keys by slot, not by row: a jump then updates the ~30 row elements in place instead of
          // deleting and recreating them, and a recentre (same global rows) changes nothing.
          computeItemKey={(index) => (base + index) % KEY_SLOTS}
          context={context}
          components={GRID_COMPONENTS}
          fixedHeaderContent={() => (
            <HeaderRow
              sort={props.sort}
              onSort={props.onSort}
              columns={columns}
              widths={layout.widths}
              onResize={props.onResize}
              allState={allState}
              matching={formatCount(store?.total ?? 0)}
              onSelectAll={() => (allState === "none" ? props.onSelectAll() : setSelection(NO_SELECTION))}
            />
          )}
          itemContent={(index, _item, ctx) => {
            const row = ctx.base + index;
            const state = ctx.store ? ctx.store.rowAt(row) : ({ kind: "loading" } as const);
            return (
              <RowCells
                state={state}
                columns={ctx.columns}
                checked={state.kind === "row" && isSelected(ctx.selection, state.task.id)}
                onCheck={(click) => ctx.onRowClick(row, click)}
              />
            );
          }}
          totalListHeightChanged={() => setHeightTick((value) => value + 1)}
        />
        <RowScrollbar
          position={position}
          controls={SCROLLER_ID}
          onJump={(row) => jumpTo(row)}
          onDrag={onDrag}
        />
      </div>
      <div className="grid-footer">
        <PositionLabel position={position} />
        <form
          className="goto"
          onSubmit={(event) => {
            event.preventDefault();
            const input = event.currentTarget.elements.namedItem("row") as HTMLInputElement;
            goTo(input.value);
          }}
        >
          <label htmlFor="goto-row">Go to row</label>
          <input
            id="goto-row"
            name="row"
            inputMode="numeric"
            autoComplete="off"
            placeholder={store?.total ? `1–${formatCount(store.total)}` : ""}
            aria-invalid={gotoError ? true : undefined}
            aria-describedby={gotoError ? "goto-error" : undefined}
            onChange={() => setGotoError(null)}
          />
          <button type="submit">Go</button>
          {gotoError && (
            <p id="goto-error" className="goto-error" role="alert">
              {gotoError}
            </p>
          )}
        </form>
      </div>
    </div>
  );
}

function isEmptyState(selection: Selection): boolean {
  return selectedCount(selection).value === 0;
}

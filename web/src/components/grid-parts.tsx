import type { KeyboardEvent, MouseEvent, PointerEvent, ReactNode } from "react";
import type { TableComponents } from "react-virtuoso";
import type { Task } from "../lib/api";
import type { BlockStore, RowState } from "../lib/block-store";
import { type ColumnId, type ColumnLayout, clampWidth } from "../lib/columns";
import {
  FIRST_DIRECTION,
  formatDate,
  formatDateTime,
  formatShortDate,
  PRIORITY_LABELS,
  SORT_LABELS,
  type SortKey,
  STATUS_LABELS,
} from "../lib/labels";
import { isSelected, type Selection } from "../lib/selection";
import { formatSort, parseSort } from "../lib/url-state";

/** How a row was clicked: Shift extends a range, Ctrl/Cmd (or the checkbox) toggles one row. */
export interface RowClick {
  shift: boolean;
  toggle: boolean;
}

export interface GridContext {
  base: number;
  total: number;
  store: BlockStore | null;
  active: number | null;
  selectedId: string | null;
  selection: Selection;
  columns: ColumnId[];
  onRowClick: (row: number, click: RowClick) => void;
  onKeyDown: (event: KeyboardEvent<HTMLTableElement>) => void;
  onFocus: () => void;
  /** The table's least width: the columns' set widths plus room for the title. */
  minWidth: number | undefined;
  /** Changes when rows arrive, so Virtuoso re-renders the cells. */
  tick: number;
}

export interface Column {
  id: ColumnId;
  label: string;
  sortKey?: SortKey;
  /** Hidden on narrow screens (see grid.css). */
  wide?: boolean;
  /** The header on a phone, where the full label and its sort arrows do not fit. */
  short?: string;
  /** The stylesheet's width (none: the column takes the room left). */
  width?: number;
  /** Its cells' class (`col-<css>`), which the stylesheet sizes. */
  css: string;
}

export const COLUMNS: Record<ColumnId, Column> = {
  title: { id: "title", css: "title", label: "Title", sortKey: "title" },
  status: { id: "status", css: "status", label: "Status", sortKey: "status", width: 118 },
  priority: {
    id: "priority",
    css: "priority",
    label: "Priority",
    sortKey: "priority",
    short: "Prio.",
    width: 96,
  },
  assignee: { id: "assignee", css: "assignee", label: "Assignee", wide: true, width: 140 },
  tags: { id: "tags", css: "tags", label: "Tags", wide: true, width: 180 },
  dueAt: { id: "dueAt", css: "due", label: "Due", sortKey: "dueAt", width: 116 },
  updatedAt: {
    id: "updatedAt",
    css: "updated",
    label: "Updated",
    sortKey: "updatedAt",
    wide: true,
    width: 116,
  },
  createdAt: {
    id: "createdAt",
    css: "created",
    label: "Created",
    sortKey: "createdAt",
    wide: true,
    width: 116,
  },
};

/** The selection checkbox column. */
const SELECT_WIDTH = 36;
/** What the title keeps when the other columns are widened past the grid. */
const TITLE_MIN = 160;

/**
 * The table's least width once the person has set widths (it scrolls sideways below it); none
 * otherwise, so the stylesheet's widths and the phone layout (which hides columns) apply as before.
 */
export function tableMinWidth(layout: ColumnLayout, columns: readonly ColumnId[]): number | undefined {
  if (!columns.some((id) => layout.widths[id] !== undefined)) return undefined;
  let sum = SELECT_WIDTH;
  for (const id of columns) sum += layout.widths[id] ?? COLUMNS[id].width ?? TITLE_MIN;
  return sum;
}

export function rowId(row: number): string {
  return `task-row-${row}`;
}

function columnClass(column: Column): string {
  return `col-${column.css}${column.wide ? " wide" : ""}`;
}

function nextSort(current: string, key: SortKey, first: "asc" | "desc"): string {
  const { key: currentKey, direction } = parseSort(current);
  if (currentKey !== key) return formatSort(key, first);
  return formatSort(key, direction === "asc" ? "desc" : "asc");
}

function SortIcon({ direction }: { direction: "asc" | "desc" | null }) {
  // Both arrows when unsorted (so the header reads as clickable), one when sorted.
  return (
    <svg className="sort-icon" viewBox="0 0 10 14" width="10" height="14" aria-hidden="true">
      {direction !== "desc" && <path d="M5 1 9 6H1z" className={direction === "asc" ? "on" : "off"} />}
      {direction !== "asc" && <path d="M5 13 1 8h8z" className={direction === "desc" ? "on" : "off"} />}
    </svg>
  );
}

const RESIZE_STEP = 16;

/**
 * The edge of a header cell: dragged with a pointer, or focused and moved with the arrow keys
 * (a focusable separator, as the ARIA window-splitter pattern has it).
 */
function ResizeHandle({
  column,
  width,
  onResize,
}: {
  column: Column;
  width: number | undefined;
  onResize: (id: ColumnId, width: number) => void;
}) {
  const current = (element: HTMLElement) =>
    width ?? element.parentElement?.getBoundingClientRect().width ?? column.width ?? TITLE_MIN;
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.preventDefault();
    event.stopPropagation();
    const handle = event.currentTarget;
    const start = current(handle);
    const x = event.clientX;
    handle.setPointerCapture(event.pointerId);
    const move = (next: globalThis.PointerEvent) => onResize(column.id, start + next.clientX - x);
    const up = () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", up);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", up);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const by = event.key === "ArrowRight" ? RESIZE_STEP : event.key === "ArrowLeft" ? -RESIZE_STEP : 0;
    if (!by) return;
    event.preventDefault();
    event.stopPropagation();
    onResize(column.id, current(event.currentTarget) + by);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a focusable, movable splitter has no native element; <hr> cannot take focus or keys.
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize the ${column.label} column`}
      aria-valuenow={width !== undefined ? clampWidth(width) : undefined}
      tabIndex={0}
      className="resize-handle"
      data-testid={`resize-${column.css}`}
      onPointerDown={onPointerDown}
      onClick={(event) => event.stopPropagation()}
      onKeyDown={onKeyDown}
    />
  );
}

export interface HeaderProps {
  sort: string;
  onSort: (sort: string) => void;
  columns: readonly ColumnId[];
  widths: ColumnLayout["widths"];
  onResize: (id: ColumnId, width: number) => void;
  /** The header checkbox: everything matching selected, some, or none. */
  allState: "all" | "some" | "none";
  onSelectAll: () => void;
  /** How many match (the checkbox's label). */
  matching: string;
}

export function HeaderRow({
  sort,
  onSort,
  columns,
  widths,
  onResize,
  allState,
  onSelectAll,
  matching,
}: HeaderProps) {
  const current = parseSort(sort);
  return (
    <tr className="header-row">
      <th className="col-select" scope="col">
        <input
          type="checkbox"
          className="select-box"
          aria-label={allState === "none" ? `Select all ${matching} matching tasks` : "Clear the selection"}
          checked={allState === "all"}
          ref={(box) => {
            if (box) box.indeterminate = allState === "some";
          }}
          onChange={onSelectAll}
        />
      </th>
      {columns.map((id) => {
        const column = COLUMNS[id];
        const sorted = column.sortKey === current.key ? current.direction : null;
        const ariaSort = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined;
        const width = widths[id];
        return (
          <th
            key={id}
            className={columnClass(column)}
            aria-sort={ariaSort}
            scope="col"
            style={width !== undefined ? { width } : undefined}
          >
            {column.sortKey ? (
              <button
                type="button"
                className="sort-button"
                onClick={() =>
                  column.sortKey && onSort(nextSort(sort, column.sortKey, FIRST_DIRECTION[column.sortKey]))
                }
                aria-label={`Sort by ${SORT_LABELS[column.sortKey]}${
                  sorted ? `, currently ${sorted === "asc" ? "ascending" : "descending"}` : ""
                }`}
              >
                {column.short ? (
                  <>
                    <span className="label-full">{column.label}</span>
                    <span className="label-short">{column.short}</span>
                  </>
                ) : (
                  column.label
                )}
                <SortIcon direction={sorted} />
              </button>
            ) : (
              column.label
            )}
            <ResizeHandle column={column} width={width} onResize={onResize} />
          </th>
        );
      })}
    </tr>
  );
}

function Cell({ column, children, title }: { column: Column; children: ReactNode; title?: string }) {
  return (
    <td className={columnClass(column)} title={title}>
      {children}
    </td>
  );
}

const CELLS: Record<ColumnId, (task: Task, state: RowState & { kind: "row" }) => ReactNode> = {
  title: (task, state) => (
    <Cell column={COLUMNS.title} title={task.title}>
      <span className="title-text">{task.title}</span>
      {state.deleting && <span className="badge deleting">deleting…</span>}
      {state.gone && <span className="badge deleting">deleted</span>}
    </Cell>
  ),
  status: (task) => (
    <Cell column={COLUMNS.status}>
      <span className={`badge status-${task.status}`}>{STATUS_LABELS[task.status]}</span>
    </Cell>
  ),
  priority: (task) => (
    <Cell column={COLUMNS.priority}>
      <span className={`badge priority-${task.priority}`}>{PRIORITY_LABELS[task.priority]}</span>
    </Cell>
  ),
  assignee: (task) => (
    <Cell column={COLUMNS.assignee} title={task.assignee ?? undefined}>
      {task.assignee ?? <span className="muted">—</span>}
    </Cell>
  ),
  tags: (task) => (
    <Cell column={COLUMNS.tags} title={task.tags.join(", ")}>
      {task.tags.length ? (
        task.tags.map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))
      ) : (
        <span className="muted">—</span>
      )}
    </Cell>
  ),
  dueAt: (task) => (
    <Cell column={COLUMNS.dueAt} title={formatDateTime(task.dueAt)}>
      <span className="label-full">{formatDate(task.dueAt)}</span>
      <span className="label-short">{formatShortDate(task.dueAt)}</span>
    </Cell>
  ),
  updatedAt: (task) => <Cell column={COLUMNS.updatedAt}>{formatDate(task.updatedAt)}</Cell>,
  createdAt: (task) => (
    <Cell column={COLUMNS.createdAt} title={formatDateTime(task.createdAt)}>
      {formatDate(task.createdAt)}
    </Cell>
  ),
};

function stopForModifiers(event: MouseEvent) {
  // A shift-click would otherwise select the text between the two rows.
  if (event.shiftKey) event.preventDefault();
}

export function RowCells({
  state,
  columns,
  checked,
  onCheck,
}: {
  state: RowState;
  columns: readonly ColumnId[];
  checked: boolean;
  onCheck: (click: RowClick) => void;
}) {
  if (state.kind === "error") {
    return (
      <td colSpan={columns.length + 1} className="row-error">
        These rows could not be loaded.
      </td>
    );
  }
  if (state.kind === "loading") {
    return (
      <>
        <td className="col-select" />
        {columns.map((id) => (
          <td key={id} className={columnClass(COLUMNS[id])}>
            <span className="skeleton" />
          </td>
        ))}
      </>
    );
  }
  const { task } = state;
  return (
    <>
      <td className="col-select">
        <input
          type="checkbox"
          className="select-box"
          tabIndex={-1}
          aria-label={`Select “${task.title}”`}
          checked={checked}
          onMouseDown={stopForModifiers}
          onClick={(event) => {
            event.stopPropagation();
            onCheck({ shift: event.shiftKey, toggle: true });
          }}
          onChange={() => {}}
        />
      </td>
      {columns.map((id) => (
        <CellFor key={id} id={id} task={task} state={state} />
      ))}
    </>
  );
}

function CellFor({ id, task, state }: { id: ColumnId; task: Task; state: RowState & { kind: "row" } }) {
  return CELLS[id](task, state);
}

export const GRID_COMPONENTS: TableComponents<unknown, GridContext> = {
  Table: ({ context, style, children }) => (
    <table
      id="task-grid"
      style={{ ...style, minWidth: context?.minWidth }}
      className="grid-table"
      role="grid"
      aria-label="Tasks"
      aria-multiselectable={true}
      aria-rowcount={context ? context.total + 1 : -1}
      aria-colcount={(context?.columns.length ?? 0) + 1}
      aria-activedescendant={context?.active != null ? rowId(context.active) : undefined}
      tabIndex={0}
      onKeyDown={context?.onKeyDown}
      onFocus={context?.onFocus}
    >
      {children}
    </table>
  ),
  TableRow: ({ context, item: _item, ...props }) => {
    const local = props["data-index"];
    const row = (context?.base ?? 0) + local;
    const state = context?.store?.rowAt(row);
    const taskId = state?.kind === "row" ? state.task.id : undefined;
    const picked = taskId !== undefined && context !== undefined && isSelected(context.selection, taskId);
    const classes = ["grid-row"];
    if (context?.active === row) classes.push("active");
    if (taskId !== undefined && taskId === context?.selectedId) classes.push("selected");
    if (picked) classes.push("picked");
    if (state?.kind === "row" && (state.deleting || state.gone)) classes.push("deleting");
    return (
      <tr
        {...props}
        id={rowId(row)}
        className={classes.join(" ")}
        aria-rowindex={row + 2}
        aria-selected={taskId !== undefined ? picked : undefined}
        aria-busy={state?.kind === "loading" ? true : undefined}
        data-row={row}
        data-task-id={taskId}
        onMouseDown={stopForModifiers}
        onClick={(event) =>
          context?.onRowClick(row, { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey })
        }
      />
    );
  },
};

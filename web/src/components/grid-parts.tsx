import type { KeyboardEvent, ReactNode } from "react";
import type { TableComponents } from "react-virtuoso";
import type { BlockStore, RowState } from "../lib/block-store";
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
import { formatSort, parseSort } from "../lib/url-state";

export interface GridContext {
  base: number;
  total: number;
  store: BlockStore | null;
  active: number | null;
  selectedId: string | null;
  onRowClick: (row: number) => void;
  onKeyDown: (event: KeyboardEvent<HTMLTableElement>) => void;
  onFocus: () => void;
  /** Changes when rows arrive, so Virtuoso re-renders the cells. */
  tick: number;
}

export interface Column {
  id: string;
  label: string;
  sortKey?: SortKey;
  /** Hidden on narrow screens (see grid.css). */
  wide?: boolean;
  /** The header on a phone, where the full label and its sort arrows do not fit. */
  short?: string;
}

export const COLUMNS: Column[] = [
  { id: "title", label: "Title", sortKey: "title" },
  { id: "status", label: "Status", sortKey: "status" },
  { id: "priority", label: "Priority", sortKey: "priority", short: "Prio." },
  { id: "assignee", label: "Assignee", wide: true },
  { id: "tags", label: "Tags", wide: true },
  { id: "due", label: "Due", sortKey: "dueAt" },
  { id: "updated", label: "Updated", sortKey: "updatedAt", wide: true },
  { id: "created", label: "Created", sortKey: "createdAt", wide: true },
];

export function rowId(row: number): string {
  return `task-row-${row}`;
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

export function HeaderRow({ sort, onSort }: { sort: string; onSort: (sort: string) => void }) {
  const current = parseSort(sort);
  return (
    <tr className="header-row">
      {COLUMNS.map((column) => {
        const sorted = column.sortKey === current.key ? current.direction : null;
        const ariaSort = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined;
        return (
          <th
            key={column.id}
            className={`col-${column.id}${column.wide ? " wide" : ""}`}
            aria-sort={ariaSort}
            scope="col"
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
          </th>
        );
      })}
    </tr>
  );
}

function Cell({ column, children, title }: { column: Column; children: ReactNode; title?: string }) {
  return (
    <td className={`col-${column.id}${column.wide ? " wide" : ""}`} title={title}>
      {children}
    </td>
  );
}

const [TITLE, STATUS, PRIORITY, ASSIGNEE, TAGS, DUE, UPDATED, CREATED] = COLUMNS as [
  Column,
  Column,
  Column,
  Column,
  Column,
  Column,
  Column,
  Column,
];

export function RowCells({ state }: { state: RowState }) {
  if (state.kind === "error") {
    return (
      <td colSpan={COLUMNS.length} className="row-error">
        These rows could not be loaded.
      </td>
    );
  }
  if (state.kind === "loading") {
    return (
      <>
        {COLUMNS.map((column) => (
          <td key={column.id} className={`col-${column.id}${column.wide ? " wide" : ""}`}>
            <span className="skeleton" />
          </td>
        ))}
      </>
    );
  }
  const { task } = state;
  return (
    <>
      <Cell column={TITLE} title={task.title}>
        <span className="title-text">{task.title}</span>
        {state.deleting && <span className="badge deleting">deleting…</span>}
        {state.gone && <span className="badge deleting">deleted</span>}
      </Cell>
      <Cell column={STATUS}>
        <span className={`badge status-${task.status}`}>{STATUS_LABELS[task.status]}</span>
      </Cell>
      <Cell column={PRIORITY}>
        <span className={`badge priority-${task.priority}`}>{PRIORITY_LABELS[task.priority]}</span>
      </Cell>
      <Cell column={ASSIGNEE} title={task.assignee ?? undefined}>
        {task.assignee ?? <span className="muted">—</span>}
      </Cell>
      <Cell column={TAGS} title={task.tags.join(", ")}>
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
      <Cell column={DUE} title={formatDateTime(task.dueAt)}>
        <span className="label-full">{formatDate(task.dueAt)}</span>
        <span className="label-short">{formatShortDate(task.dueAt)}</span>
      </Cell>
      <Cell column={UPDATED}>{formatDate(task.updatedAt)}</Cell>
      <Cell column={CREATED} title={formatDateTime(task.createdAt)}>
        {formatDate(task.createdAt)}
      </Cell>
    </>
  );
}

export const GRID_COMPONENTS: TableComponents<unknown, GridContext> = {
  Table: ({ context, style, children }) => (
    <table
      id="task-grid"
      style={style}
      className="grid-table"
      role="grid"
      aria-label="Tasks"
      aria-rowcount={context ? context.total + 1 : -1}
      aria-colcount={COLUMNS.length}
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
    const classes = ["grid-row"];
    if (context?.active === row) classes.push("active");
    if (taskId !== undefined && taskId === context?.selectedId) classes.push("selected");
    if (state?.kind === "row" && (state.deleting || state.gone)) classes.push("deleting");
    return (
      <tr
        {...props}
        id={rowId(row)}
        className={classes.join(" ")}
        aria-rowindex={row + 2}
        aria-selected={context?.active === row}
        aria-busy={state?.kind === "loading" ? true : undefined}
        data-row={row}
        data-task-id={taskId}
        onClick={() => context?.onRowClick(row)}
      />
    );
  },
};

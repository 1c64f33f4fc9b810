// The grid's columns as the person arranged them: order, hidden ones and widths. Pure functions
// over a plain value, kept in localStorage and saved with a view; anything unknown in a stored
// or shared layout (a column that no longer exists, a width out of range) is dropped, never shown.

import { MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH } from "#contract/constants";
import type { ViewColumn } from "#contract/views";

/** The grid's columns, named as saved views name them (contract VIEW_COLUMNS), in default order. */
export const COLUMN_IDS = [
  "title",
  "status",
  "priority",
  "assignee",
  "tags",
  "dueAt",
  "updatedAt",
  "createdAt",
] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export interface ColumnLayout {
  order: ColumnId[];
  hidden: ColumnId[];
  /** Pixel widths the person set; the others keep the stylesheet's. */
  widths: Partial<Record<ColumnId, number>>;
}

export const MIN_WIDTH = Math.max(56, MIN_COLUMN_WIDTH);
export const MAX_WIDTH = Math.min(800, MAX_COLUMN_WIDTH);
/** The one column that always shows, so a row always says which task it is. */
export const FIXED_COLUMN: ColumnId = "title";

export const DEFAULT_LAYOUT: ColumnLayout = { order: [...COLUMN_IDS], hidden: [], widths: {} };

function isColumnId(value: unknown): value is ColumnId {
  return typeof value === "string" && (COLUMN_IDS as readonly string[]).includes(value);
}

/** Any value (parsed JSON, a saved view's columns) as a valid layout. */
export function normalizeLayout(value: unknown): ColumnLayout {
  const raw = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
  const listed = Array.isArray(raw.order) ? raw.order.filter(isColumnId) : [];
  const order = [...new Set(listed)];
  for (const id of COLUMN_IDS) if (!order.includes(id)) order.push(id);
  const hidden = Array.isArray(raw.hidden)
    ? [...new Set(raw.hidden.filter(isColumnId))].filter((id) => id !== FIXED_COLUMN)
    : [];
  const widths: ColumnLayout["widths"] = {};
  if (raw.widths && typeof raw.widths === "object") {
    for (const [id, width] of Object.entries(raw.widths as Record<string, unknown>)) {
      if (isColumnId(id) && typeof width === "number" && Number.isFinite(width))
        widths[id] = clampWidth(width);
    }
  }
  return { order, hidden, widths };
}

export function clampWidth(width: number): number {
  return Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width)));
}

export function visibleColumns(layout: ColumnLayout): ColumnId[] {
  return layout.order.filter((id) => !layout.hidden.includes(id));
}

export function setHidden(layout: ColumnLayout, id: ColumnId, hidden: boolean): ColumnLayout {
  if (id === FIXED_COLUMN) return layout;
  const rest = layout.hidden.filter((other) => other !== id);
  return { ...layout, hidden: hidden ? [...rest, id] : rest };
}

/** Moves a column `by` places (negative: left), within the bounds. */
export function moveColumn(layout: ColumnLayout, id: ColumnId, by: number): ColumnLayout {
  const from = layout.order.indexOf(id);
  const to = Math.min(layout.order.length - 1, Math.max(0, from + by));
  if (from < 0 || from === to) return layout;
  const order = [...layout.order];
  order.splice(from, 1);
  order.splice(to, 0, id);
  return { ...layout, order };
}

export function resizeColumn(layout: ColumnLayout, id: ColumnId, width: number): ColumnLayout {
  return { ...layout, widths: { ...layout.widths, [id]: clampWidth(width) } };
}

export function isDefaultLayout(layout: ColumnLayout): boolean {
  return (
    layout.order.every((id, index) => id === COLUMN_IDS[index]) &&
    layout.hidden.length === 0 &&
    Object.keys(layout.widths).length === 0
  );
}

const STORAGE_KEY = "task-grid.columns";

export function loadLayout(
  storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage,
): ColumnLayout {
  try {
    const text = storage?.getItem(STORAGE_KEY);
    return text ? normalizeLayout(JSON.parse(text)) : DEFAULT_LAYOUT;
  } catch {
    return DEFAULT_LAYOUT;
  }
}

export function storeLayout(
  layout: ColumnLayout,
  storage: Pick<Storage, "setItem"> | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(layout));
  } catch {
    // Private mode or a full quota: the layout then lasts as long as the page.
  }
}

/** A layout as a saved view stores it: every column in order, with its width and whether hidden. */
export function toViewColumns(layout: ColumnLayout): ViewColumn[] {
  return layout.order.map((key) => {
    const width = layout.widths[key];
    return {
      key,
      ...(width !== undefined ? { width } : {}),
      ...(layout.hidden.includes(key) ? { hidden: true } : {}),
    };
  });
}

/** A saved view's columns as a layout (columns the grid does not show are left out). */
export function fromViewColumns(columns: readonly ViewColumn[]): ColumnLayout {
  if (columns.length === 0) return DEFAULT_LAYOUT;
  const widths: Record<string, number> = {};
  for (const column of columns) if (column.width !== undefined) widths[column.key] = column.width;
  return normalizeLayout({
    order: columns.map((column) => column.key),
    hidden: columns.filter((column) => column.hidden).map((column) => column.key),
    widths,
  });
}

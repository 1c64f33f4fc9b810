import { describe, expect, it } from "vitest";
import {
  COLUMN_IDS,
  DEFAULT_LAYOUT,
  fromViewColumns,
  isDefaultLayout,
  loadLayout,
  MAX_WIDTH,
  MIN_WIDTH,
  moveColumn,
  normalizeLayout,
  resizeColumn,
  setHidden,
  storeLayout,
  toViewColumns,
  visibleColumns,
} from "../../src/lib/columns";

describe("column layout", () => {
  it("when a column is hidden, then it leaves the visible ones but keeps its place; the title cannot hide", () => {
    const layout = setHidden(DEFAULT_LAYOUT, "tags", true);
    expect(visibleColumns(layout)).not.toContain("tags");
    expect(layout.order).toEqual([...COLUMN_IDS]);
    expect(setHidden(layout, "title", true)).toBe(layout);
    expect(visibleColumns(setHidden(layout, "tags", false))).toEqual([...COLUMN_IDS]);
  });

  it("when a column is moved, then it moves by that many places and stops at the ends", () => {
    expect(moveColumn(DEFAULT_LAYOUT, "priority", -1).order.slice(0, 3)).toEqual([
      "title",
      "priority",
      "status",
    ]);
    expect(moveColumn(DEFAULT_LAYOUT, "title", -1)).toBe(DEFAULT_LAYOUT);
    expect(moveColumn(DEFAULT_LAYOUT, "title", 99).order.at(-1)).toBe("title");
  });

  it("when a column is resized, then its width is kept within bounds", () => {
    expect(resizeColumn(DEFAULT_LAYOUT, "status", 10).widths.status).toBe(MIN_WIDTH);
    expect(resizeColumn(DEFAULT_LAYOUT, "status", 10_000).widths.status).toBe(MAX_WIDTH);
    expect(resizeColumn(DEFAULT_LAYOUT, "status", 200.4).widths.status).toBe(200);
    expect(isDefaultLayout(resizeColumn(DEFAULT_LAYOUT, "status", 200))).toBe(false);
  });

  it("when a stored layout names unknown or repeated columns, then they are dropped and missing ones added", () => {
    const layout = normalizeLayout({
      order: ["status", "bogus", "status", "title"],
      hidden: ["title", "tags", 7],
      widths: { status: 150, nope: 3, tags: "wide" },
    });
    expect(layout.order.slice(0, 2)).toEqual(["status", "title"]);
    expect(new Set(layout.order)).toEqual(new Set(COLUMN_IDS));
    expect(layout.hidden).toEqual(["tags"]);
    expect(layout.widths).toEqual({ status: 150 });
    expect(normalizeLayout("garbage")).toEqual(DEFAULT_LAYOUT);
  });

  it("when a layout is stored and loaded, then it is the same; unreadable storage gives the default", () => {
    const memory = new Map<string, string>();
    const storage = {
      getItem: (key: string) => memory.get(key) ?? null,
      setItem: (key: string, value: string) => void memory.set(key, value),
    };
    const layout = resizeColumn(
      setHidden(moveColumn(DEFAULT_LAYOUT, "dueAt", -3), "assignee", true),
      "title",
      300,
    );
    storeLayout(layout, storage);
    expect(loadLayout(storage)).toEqual(layout);
    memory.set("task-grid.columns", "{not json");
    expect(loadLayout(storage)).toEqual(DEFAULT_LAYOUT);
  });

  it("when a layout goes into a saved view and back, then order, widths and hidden columns survive", () => {
    const layout = resizeColumn(
      setHidden(moveColumn(DEFAULT_LAYOUT, "tags", -4), "createdAt", true),
      "status",
      90,
    );
    const columns = toViewColumns(layout);
    expect(columns[0]).toEqual({ key: "tags" });
    expect(columns.find((column) => column.key === "createdAt")).toEqual({ key: "createdAt", hidden: true });
    expect(columns.find((column) => column.key === "status")).toEqual({ key: "status", width: 90 });
    expect(fromViewColumns(columns)).toEqual(layout);
    expect(fromViewColumns([])).toEqual(DEFAULT_LAYOUT);
    // A column the grid does not show (the view format has more) is left out.
    expect(fromViewColumns([{ key: "description" }, { key: "status" }]).order[0]).toBe("status");
  });
});

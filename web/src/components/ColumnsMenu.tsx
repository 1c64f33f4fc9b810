import { useEffect, useRef, useState } from "react";
import { type ColumnId, DEFAULT_LAYOUT, FIXED_COLUMN, isDefaultLayout } from "../lib/columns";
import { COLUMNS } from "./grid-parts";
import type { Columns } from "./use-columns";

/**
 * Show, hide and reorder the columns: a disclosure with one row per column (a checkbox and
 * Move left / Move right buttons), all reachable by keyboard. Widths change at the headers' edges.
 */
export function ColumnsMenu({ columns }: { columns: Columns }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    // Escape closes the panel and gives focus back to its button (and goes no further: the grid
    // would take it as "clear the selection").
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || !root.current?.contains(document.activeElement)) return;
      event.stopPropagation();
      setOpen(false);
      root.current.querySelector<HTMLButtonElement>("button")?.focus();
    };
    document.addEventListener("pointerdown", onDown);
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("pointerdown", onDown);
      document.removeEventListener("keydown", onKey, true);
    };
  }, [open]);
  const { layout } = columns;
  const last = layout.order.length - 1;
  // A moved row is re-rendered in its new place: the keyboard stays on its button (or on the other
  // direction's, once it reaches an end and this one is disabled).
  const move = (id: ColumnId, label: string, by: number) => {
    columns.move(id, by);
    requestAnimationFrame(() => {
      const panel = root.current;
      const same = panel?.querySelector<HTMLButtonElement>(
        `[aria-label="Move ${label} ${by < 0 ? "left" : "right"}"]`,
      );
      const other = panel?.querySelector<HTMLButtonElement>(
        `[aria-label="Move ${label} ${by < 0 ? "right" : "left"}"]`,
      );
      (same && !same.disabled ? same : other)?.focus();
    });
  };
  return (
    <div className="menu-root" ref={root}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="columns-panel"
        onClick={() => setOpen((value) => !value)}
      >
        Columns
      </button>
      {open && (
        <fieldset id="columns-panel" className="menu-panel">
          <legend className="visually-hidden">Columns</legend>
          <ul className="columns-list">
            {layout.order.map((id: ColumnId, index) => {
              const label = COLUMNS[id].label;
              return (
                <li key={id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={!layout.hidden.includes(id)}
                      disabled={id === FIXED_COLUMN}
                      onChange={(event) => columns.hide(id, !event.target.checked)}
                    />
                    {label}
                  </label>
                  <span className="move-buttons">
                    <button
                      type="button"
                      aria-label={`Move ${label} left`}
                      disabled={index === 0}
                      onClick={() => move(id, label, -1)}
                    >
                      ←
                    </button>
                    <button
                      type="button"
                      aria-label={`Move ${label} right`}
                      disabled={index === last}
                      onClick={() => move(id, label, 1)}
                    >
                      →
                    </button>
                  </span>
                </li>
              );
            })}
          </ul>
          <button
            type="button"
            className="link-button"
            disabled={isDefaultLayout(layout)}
            onClick={() => columns.replace(DEFAULT_LAYOUT)}
          >
            Reset columns
          </button>
        </fieldset>
      )}
    </div>
  );
}

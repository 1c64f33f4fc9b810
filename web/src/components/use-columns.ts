import { useCallback, useEffect, useState } from "react";
import {
  type ColumnId,
  type ColumnLayout,
  loadLayout,
  moveColumn,
  resizeColumn,
  setHidden,
  storeLayout,
} from "../lib/columns";

export interface Columns {
  layout: ColumnLayout;
  /** A saved view's columns replace the arrangement. */
  replace: (layout: ColumnLayout) => void;
  resize: (id: ColumnId, width: number) => void;
  hide: (id: ColumnId, hidden: boolean) => void;
  move: (id: ColumnId, by: number) => void;
}

/** The person's column arrangement, kept in localStorage across visits. */
export function useColumns(): Columns {
  const [layout, setLayout] = useState<ColumnLayout>(() => loadLayout());
  useEffect(() => storeLayout(layout), [layout]);
  return {
    layout,
    replace: setLayout,
    resize: useCallback((id, width) => setLayout((current) => resizeColumn(current, id, width)), []),
    hide: useCallback((id, hidden) => setLayout((current) => setHidden(current, id, hidden)), []),
    move: useCallback((id, by) => setLayout((current) => moveColumn(current, id, by)), []),
  };
}

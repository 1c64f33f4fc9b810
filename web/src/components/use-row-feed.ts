import { useEffect, useReducer, useRef, useState } from "react";
import { listTasks } from "../lib/api";
import { RowFeed } from "../lib/row-feed";
import { hasFilters, listParams, queryKey, reverseSort, type ViewState } from "../lib/url-state";
import type { Restore } from "./use-view-state";

/** Keeps a RowFeed on the query of `view`; re-renders whenever what it shows changes. */
export function useRowFeed(
  view: ViewState,
  revision: number,
  restore: Restore | null,
): { feed: RowFeed; tick: number } {
  const [feed] = useState(() => new RowFeed());
  const [tick, bump] = useReducer((count: number) => count + 1, 0);
  const key = queryKey(view);
  // A shared link, and Back/Forward to another query, open that query where the view was.
  const opening = useRef<{ key: string; row: number } | null>({ key, row: view.row });
  const restored = useRef(restore?.seq ?? 0);
  if (restore && restore.seq !== restored.current) {
    restored.current = restore.seq;
    opening.current = { key, row: restore.row };
  }

  useEffect(() => feed.subscribe(bump), [feed]);
  useEffect(() => () => feed.dispose(), [feed]);

  useEffect(() => {
    const params = listParams(view);
    // Any other change of query starts at the top.
    const startRow = opening.current?.key === key ? opening.current.row : 0;
    opening.current = null;
    feed.setQuery({
      queryKey: key,
      revision,
      startRow,
      filtered: hasFilters(view),
      fetchPage: (page, signal) => listTasks(params, page, signal),
      fetchReversed: (page, signal) => listTasks({ ...params, sort: reverseSort(params.sort) }, page, signal),
    });
  }, [feed, key, revision]);

  return { feed, tick };
}

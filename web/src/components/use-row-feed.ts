import { useEffect, useReducer, useRef, useState } from "react";
import { listTasks } from "../lib/api";
import { RowFeed } from "../lib/row-feed";
import { listParams, queryKey, reverseSort, type ViewState } from "../lib/url-state";

/** Keeps a RowFeed on the query of `view`; re-renders whenever what it shows changes. */
export function useRowFeed(view: ViewState, revision: number): { feed: RowFeed; tick: number } {
  const [feed] = useState(() => new RowFeed());
  const [tick, bump] = useReducer((count: number) => count + 1, 0);
  const key = queryKey(view);
  const openingRow = useRef<number | null>(view.row);

  useEffect(() => feed.subscribe(bump), [feed]);
  useEffect(() => () => feed.dispose(), [feed]);

  useEffect(() => {
    const params = listParams(view);
    // A shared link opens at its row; any later change of query starts at the top.
    const startRow = openingRow.current ?? 0;
    openingRow.current = null;
    feed.setQuery({
      queryKey: key,
      revision,
      startRow,
      fetchPage: (page, signal) => listTasks(params, page, signal),
      fetchReversed: (page, signal) => listTasks({ ...params, sort: reverseSort(params.sort) }, page, signal),
    });
  }, [feed, key, revision]);

  return { feed, tick };
}

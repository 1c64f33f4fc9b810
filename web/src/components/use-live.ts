import { useCallback, useEffect, useRef, useState } from "react";
import type { JobProgress } from "#contract/live";
import type { Task } from "../lib/api";
import { type LiveCounters, LiveFeed, type LiveStatus } from "../lib/live";
import type { RowFeed } from "../lib/row-feed";
import { matchesView, queryKey, type ViewState } from "../lib/url-state";

export interface RemoteChange {
  id: string;
  version?: number;
  deleted?: boolean;
}

export interface LiveState {
  status: LiveStatus;
  counters: LiveCounters | null;
  /**
   * Tasks created elsewhere that belong in this view, since its rows were last loaded (revealed on
   * demand, never shifted in).
   */
  newCount: number;
  /** The task open in the drawer was changed or deleted by someone else. */
  remoteChange: RemoteChange | null;
  /** Own writes, so that their echo from the feed is not reported as someone else's. */
  noteOwn: (task: Task) => void;
  /** Rows were reloaded: new tasks are in them now. */
  reset: () => void;
}

/**
 * Connects the grid to the live feed after the page is up (never before the first rows): visible
 * rows change in place, new tasks are counted, and `resync` reloads the rows when events were lost.
 */
export function useLive(
  feed: RowFeed,
  view: ViewState,
  resync: () => void,
  onJob?: (job: JobProgress) => void,
): LiveState {
  const editingId = view.task;
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [counters, setCounters] = useState<LiveCounters | null>(null);
  const [newCount, setNewCount] = useState(0);
  const [remoteChange, setRemoteChange] = useState<RemoteChange | null>(null);
  const latest = useRef({ feed, view, resync, onJob });
  latest.current = { feed, view, resync, onJob };
  const own = useRef(new Map<string, number>());

  useEffect(() => {
    const live = new LiveFeed({
      onEvent: (event) => {
        const { feed: rows, view: current } = latest.current;
        const editing = current.task;
        // A bulk job's coalesced event: reload what is shown, as after a seed.
        if (event.type === "tasks.seeded" || event.type === "tasks.bulk") {
          latest.current.resync();
          return;
        }
        if (event.type === "job.progress") {
          latest.current.onJob?.(event.job);
          return;
        }
        const mine = (own.current.get(event.id) ?? -1) >= ("version" in event ? event.version : Infinity);
        if (event.type === "task.created") {
          const shown = rows.shown?.applyRemote(event.task) ?? false;
          if (!shown && !mine && matchesView(event.task, current)) setNewCount((count) => count + 1);
          return;
        }
        if (event.type === "task.updated") {
          rows.shown?.applyRemote(event.task);
          rows.pending?.applyRemote(event.task);
          if (editing === event.id && !mine) setRemoteChange({ id: event.id, version: event.version });
          return;
        }
        rows.shown?.markGone(event.id);
        rows.pending?.markGone(event.id);
        if (editing === event.id) setRemoteChange({ id: event.id, deleted: true });
      },
      onResync: () => latest.current.resync(),
      onStatus: setStatus,
      onCounters: setCounters,
    });
    // After the first paint: the socket never delays the rows.
    const timer = setTimeout(() => live.start(), 0);
    return () => {
      clearTimeout(timer);
      live.stop();
    };
  }, []);

  useEffect(() => {
    if (remoteChange && remoteChange.id !== editingId) setRemoteChange(null);
  }, [editingId, remoteChange]);

  // Another query loads other rows: what was new to the old ones is not news to these.
  const rowsKey = queryKey(view);
  useEffect(() => {
    if (rowsKey) setNewCount(0);
  }, [rowsKey]);

  const noteOwn = useCallback((task: Task) => {
    own.current.set(task.id, task.version);
    setRemoteChange((change) =>
      change && change.id === task.id && (change.version ?? 0) <= task.version ? null : change,
    );
  }, []);
  const reset = useCallback(() => setNewCount(0), []);
  return { status, counters, newCount, remoteChange, noteOwn, reset };
}

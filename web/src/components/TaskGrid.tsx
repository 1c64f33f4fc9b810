import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ApiError, type Task } from "../lib/api";
import type { FeedAnchor } from "../lib/row-feed";
import { formatCount } from "../lib/row-window";
import { hasFilters } from "../lib/url-state";
import { DemoDataNotice } from "./DemoDataNotice";
import { ErrorBoundary } from "./ErrorBoundary";
import { GridTable } from "./GridTable";
import { LiveBar, RemoteChangeNotice } from "./LiveBar";
import { EmptyState, LoadError } from "./StateMessages";
import { type OptimisticRows, TaskDrawer } from "./TaskDrawer";
import { Toolbar } from "./Toolbar";
import { UndoToast } from "./UndoToast";
import { useLive } from "./use-live";
import { usePendingDelete } from "./use-pending-delete";
import { useRowFeed } from "./use-row-feed";
import { useSuggestions } from "./use-suggestions";
import { openedByHistory, useViewState } from "./use-view-state";

const UNREACHABLE_RETRY_MS = 3_000;

/** The island: the task grid with its toolbar and detail drawer, behind an error boundary. */
export function TaskGrid() {
  return (
    <ErrorBoundary>
      <TaskBrowser />
    </ErrorBoundary>
  );
}

function focusGrid() {
  document.querySelector<HTMLElement>(".grid-table")?.focus({ preventScroll: true });
}

export function TaskBrowser() {
  const [view, update, restore] = useViewState();
  const [revision, setRevision] = useState(0);
  const [announcement, setAnnouncement] = useState("");
  const { feed, tick } = useRowFeed(view, revision, restore);
  const store = feed.shown;
  const refresh = useCallback(() => setRevision((value) => value + 1), []);
  const live = useLive(feed, view, refresh);
  const revealNew = useCallback(() => {
    live.reset();
    refresh();
    update({ row: 0 }, "jump");
  }, [live.reset, refresh, update]);

  const optimistic = useMemo<OptimisticRows>(
    () => ({
      edit: (task) => feed.shown?.override(task.id, task) ?? (() => {}),
      remove: (id) => feed.shown?.override(id, null) ?? (() => {}),
    }),
    [feed],
  );

  // Closing what Back would close goes back, so the history holds no "closed" entries to step over.
  const deletion = usePendingDelete({
    hide: optimistic.remove,
    onDeleted: useCallback(
      (task: Task) => {
        setAnnouncement(`Task “${task.title}” deleted.`);
        refresh();
      },
      [refresh],
    ),
  });

  const closeDrawer = useCallback(() => {
    if (view.task !== null && openedByHistory(view.task)) window.history.back();
    else update({ task: null });
  }, [update, view.task]);
  // Focus goes back to the grid in the same commit that removes the drawer, so there is never a
  // moment (or a frame) where the dialog is gone and focus is nowhere.
  const drawerWasOpen = useRef(false);
  useLayoutEffect(() => {
    const open = view.task !== null;
    if (drawerWasOpen.current && !open) focusGrid();
    drawerWasOpen.current = open;
  }, [view.task]);

  const onTopRow = useCallback((row: number) => update({ row }, "replace"), [update]);
  const onGoTo = useCallback(
    (row: number) => {
      feed.jumpPending(row);
      update({ row }, "jump");
    },
    [feed, update],
  );
  const onRange = useCallback(
    (first: number, last: number, prefetch?: boolean) => feed.request(first, last, { prefetch }),
    [feed],
  );
  const onEdge = useCallback((anchor: FeedAnchor) => feed.showEdge(anchor), [feed]);
  const onSort = useCallback((sort: string) => update({ sort, row: 0 }), [update]);
  const onOpen = useCallback((id: string) => update({ task: id }), [update]);
  const onCreate = useCallback(() => update({ task: "new" }), [update]);
  const clearFilters = useCallback(
    () => update({ q: "", assignee: "", tag: "", status: [], priority: [], dueFrom: "", dueTo: "", row: 0 }),
    [update],
  );
  const suggestions = useSuggestions(store, tick);

  const total = store?.total ?? null;
  // An empty result stays the empty state while the next query loads (never "0 rows of 0").
  const empty = store !== null && total === 0;
  const error = feed.error;
  // Nothing loaded yet and the first answer was an error: the message is all there is to show.
  const failed = error !== null && total === null;
  const updating = feed.pending !== null && feed.pending.lastError === null;
  // An API that does not answer yet (a first `npm start` still starting it, a restart) is asked
  // again by itself, so the rows appear when it comes up without the person pressing Retry.
  const unreachable = error instanceof ApiError && error.unreachable;
  useEffect(() => {
    if (!unreachable) return;
    const timer = setInterval(() => feed.retry(), UNREACHABLE_RETRY_MS);
    return () => clearInterval(timer);
  }, [unreachable, feed]);

  return (
    <div className="task-app">
      <Toolbar
        view={view}
        loading={updating}
        onChange={(patch, mode) => update({ ...patch, row: 0 }, mode)}
        onCreate={onCreate}
        suggestions={suggestions}
      />
      <p className="summary" aria-live="polite">
        {total === null
          ? failed
            ? "No tasks to show."
            : "Loading tasks…"
          : // Worded for the rows on screen: while a new search loads, the old count is not its count.
            `${store?.exact ? "" : "About "}${formatCount(total)} ${total === 1 ? "task" : "tasks"}${
              feed.shownFiltered ? " match" : ""
            }`}
        {updating && <span className="updating"> · updating…</span>}
      </p>
      <DemoDataNotice total={total} onDone={refresh} />
      <LiveBar live={live} onReveal={revealNew} />
      {error !== null && <LoadError error={error} onRetry={() => feed.retry()} />}
      {failed ? null : empty ? (
        <EmptyState filtered={hasFilters(view)} onClear={clearFilters} onCreate={onCreate} />
      ) : (
        <GridTable
          store={store}
          tick={tick}
          startRow={feed.startRow}
          sort={view.sort}
          selectedId={view.task}
          busy={updating}
          onSort={onSort}
          onOpen={onOpen}
          onTopRow={onTopRow}
          onRange={onRange}
          onEdge={onEdge}
          onGoTo={onGoTo}
          restore={restore}
        />
      )}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {view.task !== null && (
        <TaskDrawer
          key={view.task}
          taskId={view.task}
          optimistic={optimistic}
          onClose={closeDrawer}
          onCreated={(task: Task) => {
            live.noteOwn(task);
            setAnnouncement(`Task “${task.title}” created.`);
            refresh();
            update({ task: task.id }, "replace");
          }}
          onSaved={(task: Task) => {
            live.noteOwn(task);
            setAnnouncement(`Task “${task.title}” saved.`);
            refresh();
          }}
          onDelete={(task: Task) => {
            deletion.start(task);
            closeDrawer();
          }}
          notice={<RemoteChangeNotice live={live} />}
        />
      )}
      <UndoToast pending={deletion.pending} onUndo={deletion.undo} onDismiss={deletion.dismiss} />
    </div>
  );
}

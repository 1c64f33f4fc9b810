import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import {
  ApiError,
  type BulkActionInput,
  type ExportFormat,
  filterOf,
  getView,
  type Job,
  startBulk,
  startExport,
  type Task,
  type View,
} from "../lib/api";
import { fromViewColumns } from "../lib/columns";
import type { FeedAnchor } from "../lib/row-feed";
import { formatCount } from "../lib/row-window";
import {
  exportFilter,
  isEmpty,
  NO_SELECTION,
  type SelectionState,
  selectAllMatching,
  selectionRequest,
} from "../lib/selection";
import { hasFilters, listParams, queryKey, urlHasQuery, viewFromQuery } from "../lib/url-state";
import { ColumnsMenu } from "./ColumnsMenu";
import { DemoDataNotice } from "./DemoDataNotice";
import { ErrorBoundary } from "./ErrorBoundary";
import { GridTable } from "./GridTable";
import { ImportExport } from "./ImportExport";
import { JobPanel } from "./JobPanel";
import { LiveBar, RemoteChangeNotice } from "./LiveBar";
import { SelectionBar } from "./SelectionBar";
import { EmptyState, LoadError } from "./StateMessages";
import { type OptimisticRows, TaskDrawer } from "./TaskDrawer";
import { Toolbar } from "./Toolbar";
import { UndoToast } from "./UndoToast";
import { useColumns } from "./use-columns";
import { useFacets } from "./use-facets";
import { type TrackedJob, useJobs } from "./use-jobs";
import { useLive } from "./use-live";
import { usePendingDelete } from "./use-pending-delete";
import { useRowFeed } from "./use-row-feed";
import { useSuggestions } from "./use-suggestions";
import { openedByHistory, useViewState } from "./use-view-state";
import { ViewsMenu } from "./ViewsMenu";

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
  const [selection, setSelection] = useState<SelectionState>(NO_SELECTION);
  const [actionError, setActionError] = useState<string | null>(null);
  const columns = useColumns();
  const facets = useFacets(view, revision);
  const rowsKey = queryKey(view);
  // A selection belongs to the rows it was made in: other filters, sort or search start afresh.
  useEffect(() => {
    if (rowsKey) setSelection(NO_SELECTION);
  }, [rowsKey]);

  const jobs = useJobs(
    useCallback(
      (job: TrackedJob) => {
        setAnnouncement(`${job.label}: ${job.state}.`);
        if (job.kind === "export") return;
        // What the job changed shows at once (the live feed's coalesced event reloads it too).
        refresh();
        if (job.kind === "bulk" && job.state === "completed") setSelection(NO_SELECTION);
      },
      [refresh],
    ),
  );
  const live = useLive(feed, view, refresh, jobs.onProgress);
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

  // Saved views: a `?view=<id>` link opens the view (its filters unless the link has its own, and
  // its columns); opening one from the menu replaces filters and columns.
  const [savedView, setSavedView] = useState<View | null>(null);
  const openView = useCallback(
    (saved: View, how: "push" | "replace" | "columns only" = "push") => {
      setSavedView(saved);
      columns.replace(fromViewColumns(saved.columns));
      if (how === "columns only") update({ view: saved.id }, "replace");
      else update({ ...viewFromQuery(saved.query), view: saved.id, row: 0 }, how);
    },
    [columns.replace, update],
  );
  const linkedView = useRef({ id: view.view, hasQuery: urlHasQuery(window.location.search) });
  useEffect(() => {
    const { id, hasQuery } = linkedView.current;
    if (!id) return;
    const controller = new AbortController();
    getView(id, controller.signal).then(
      // The link's own entry becomes the view (Back then leaves it, as it would any page).
      (saved) => openView(saved, hasQuery ? "columns only" : "replace"),
      (caught) => {
        if (controller.signal.aborted) return;
        setActionError(`The saved view in the link could not be opened: ${(caught as Error).message}`);
        update({ view: null }, "replace");
      },
    );
    return () => controller.abort();
  }, []);
  useEffect(() => {
    if (view.view === null) setSavedView(null);
  }, [view.view]);

  const fail = useCallback((caught: unknown) => {
    setActionError(caught instanceof ApiError ? caught.message : "The request could not be sent.");
  }, []);
  const trackJob = useCallback(
    (started: Promise<Job>, label: string) => {
      setActionError(null);
      started.then((job) => jobs.track(job, label), fail);
    },
    [jobs.track, fail],
  );
  const onBulk = useCallback(
    (action: BulkActionInput, label: string) => {
      const request = selectionRequest(selection.selection);
      if (!request) {
        setActionError("This selection is too large to send; select all matching instead.");
        return;
      }
      trackJob(startBulk(request, action), label);
    },
    [selection, trackJob],
  );
  const viewFilter = filterOf(listParams(view));
  const exportView = (format: ExportFormat, filter = viewFilter, what = "view") =>
    trackJob(startExport(filter, format), `Export ${what} as ${format === "csv" ? "CSV" : "NDJSON"}`);
  const selectAll = useCallback(() => {
    if (store?.total == null) return;
    setSelection(selectAllMatching(filterOf(listParams(view)), store.total, store.exact));
  }, [store, store?.total, view]);

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
        facets={facets}
      />
      <div className="view-bar">
        <ViewsMenu
          current={savedView}
          query={viewFilter}
          layout={columns.layout}
          onOpen={(saved) => openView(saved)}
          onSaved={(saved) => {
            setSavedView(saved);
            update({ view: saved.id }, "replace");
          }}
          onDeleted={() => update({ view: null }, "replace")}
        />
        <ColumnsMenu columns={columns} />
        <ImportExport
          onExport={(format) => exportView(format)}
          onImported={(job, filename) => jobs.track(job, `Import ${filename}`)}
        />
      </div>
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
      {!isEmpty(selection.selection) && (
        <SelectionBar
          selection={selection.selection}
          total={total}
          exact={store?.exact ?? true}
          onSelectAll={selectAll}
          onClear={() => setSelection(NO_SELECTION)}
          onBulk={onBulk}
          onExport={(format, what) =>
            what === "selection"
              ? exportView(format, exportFilter(selection.selection) ?? viewFilter, "selection")
              : exportView(format)
          }
        />
      )}
      {actionError && (
        <div className="banner banner-error" role="alert">
          <span>{actionError}</span>
          <button type="button" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <JobPanel jobs={jobs} />
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
          selection={selection}
          setSelection={setSelection}
          onSelectAll={selectAll}
          layout={columns.layout}
          onResize={columns.resize}
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

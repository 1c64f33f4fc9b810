// The task drawer's History tab: who changed what and when, newest first, read from
// GET /tasks/{id}/history a page at a time ("alice changed status todo → done · 3 min ago").
import { useEffect, useState } from "react";
import { ApiError, getTaskHistory, type HistoryEntry } from "../lib/api";
import { formatDateTime } from "../lib/labels";
import "../styles/history.css";

export type DrawerView = "details" | "history";

/** The two tabs above the drawer's body; the drawer owns which one shows. */
export function DrawerTabs({ view, onChange }: { view: DrawerView; onChange: (view: DrawerView) => void }) {
  const tab = (name: DrawerView, label: string) => (
    <button
      type="button"
      role="tab"
      id={`drawer-tab-${name}`}
      aria-selected={view === name}
      aria-controls={`drawer-panel-${name}`}
      className={view === name ? "tab selected" : "tab"}
      onClick={() => onChange(name)}
    >
      {label}
    </button>
  );
  return (
    <div className="drawer-tabs" role="tablist" aria-label="Task views">
      {tab("details", "Details")}
      {tab("history", "History")}
    </div>
  );
}

const FIELD_LABELS: Record<string, string> = {
  title: "title",
  description: "description",
  status: "status",
  priority: "priority",
  assignee: "assignee",
  tags: "tags",
  dueAt: "due date",
  expiresAt: "expiry",
};

const MAX_VALUE = 60;

/** A field's value as a person reads it: no JSON quotes, dates local, long text cut. */
export function formatValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "none";
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.join(", ");
  if ((field === "dueAt" || field === "expiresAt") && typeof value === "string") return formatDateTime(value);
  const text = typeof value === "string" ? value.replaceAll("_", " ") : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "short" });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "3 min ago", "yesterday": how long ago an instant was, from `now`. */
export function timeAgo(iso: string, now = Date.now()): string {
  let amount = (Date.parse(iso) - now) / 1_000;
  for (const [unit, size] of STEPS) {
    // "3 min. ago" reads as "3 min ago" without the abbreviation dot.
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit).replace(/\.(?= ago|$)/, "");
    amount /= size;
  }
  return formatDateTime(iso);
}

/** One entry as a sentence: "alice changed status todo → done, priority low → high". */
export function describeEntry(entry: HistoryEntry): string {
  const who = entry.actor.name;
  if (entry.action === "task.create") return `${who} created the task`;
  if (entry.action === "task.delete") return `${who} deleted the task`;
  const changes = Object.entries(entry.changes as Record<string, { from?: unknown; to?: unknown }>);
  if (changes.length === 0) return `${who} saved the task without changes`;
  const parts = changes.map(
    ([field, change]) =>
      `${FIELD_LABELS[field] ?? field} ${formatValue(field, change?.from)} → ${formatValue(field, change?.to)}`,
  );
  return `${who} changed ${parts.join(", ")}`;
}

type State =
  | { kind: "loading" }
  | { kind: "failed"; message: string }
  | { kind: "ready"; items: HistoryEntry[]; nextCursor: string | null; loadingMore: boolean };

/** The History panel; reloads when the task's version changes (a save made here or elsewhere). */
export function TaskHistory({ taskId, version }: { taskId: string; version: number }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ kind: "loading" });
    getTaskHistory(taskId, undefined, controller.signal).then(
      (page) =>
        setState({ kind: "ready", items: page.items, nextCursor: page.nextCursor, loadingMore: false }),
      (error: unknown) => {
        if ((error as { name?: string }).name === "AbortError") return;
        setState({ kind: "failed", message: error instanceof ApiError ? error.message : String(error) });
      },
    );
    return () => controller.abort();
  }, [taskId, version, attempt]);

  const loadMore = async () => {
    if (state.kind !== "ready" || !state.nextCursor) return;
    setState({ ...state, loadingMore: true });
    try {
      const page = await getTaskHistory(taskId, state.nextCursor);
      setState({
        kind: "ready",
        items: [...state.items, ...page.items],
        nextCursor: page.nextCursor,
        loadingMore: false,
      });
    } catch (error) {
      setState({ kind: "failed", message: error instanceof ApiError ? error.message : String(error) });
    }
  };

  return (
    <section
      className="task-history"
      id="drawer-panel-history"
      role="tabpanel"
      aria-labelledby="drawer-tab-history"
    >
      {state.kind === "loading" && <p className="drawer-status">Loading history…</p>}
      {state.kind === "failed" && (
        <div className="drawer-status" role="alert">
          <p>{state.message}</p>
          <button type="button" onClick={() => setAttempt((count) => count + 1)}>
            Try again
          </button>
        </div>
      )}
      {state.kind === "ready" && state.items.length === 0 && (
        <p className="drawer-status">No recorded changes (tasks loaded in bulk have none of their own).</p>
      )}
      {state.kind === "ready" && state.items.length > 0 && (
        <ol className="history-list">
          {state.items.map((entry) => (
            <li key={entry.id}>
              <span className="history-text">{describeEntry(entry)}</span>
              <time dateTime={entry.at} title={formatDateTime(entry.at)}>
                {timeAgo(entry.at)}
              </time>
            </li>
          ))}
        </ol>
      )}
      {state.kind === "ready" && state.nextCursor && (
        <button type="button" onClick={loadMore} disabled={state.loadingMore}>
          {state.loadingMore ? "Loading…" : "Show older changes"}
        </button>
      )}
    </section>
  );
}

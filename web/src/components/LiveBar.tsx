import { formatCount } from "../lib/row-window";
import type { LiveState } from "./use-live";

const STATUS_TEXT = { live: "Live", connecting: "Connecting…", offline: "Offline, reconnecting" } as const;

/** The live/offline indicator, the activity counters and the "N new tasks" banner. */
export function LiveBar({ live, onReveal }: { live: LiveState; onReveal: () => void }) {
  const { status, counters, newCount } = live;
  return (
    <div className="live-bar">
      <span className={`live-status live-${status}`} data-live={status} role="status">
        <span aria-hidden="true">{status === "live" ? "●" : "○"}</span> {STATUS_TEXT[status]}
      </span>
      {counters && (
        <span className="live-counters">
          Since the API started: {formatCount(counters.created)} created · {formatCount(counters.updated)}{" "}
          updated · {formatCount(counters.deleted)} deleted
        </span>
      )}
      {newCount > 0 && (
        <button type="button" className="new-tasks" onClick={onReveal}>
          {formatCount(newCount)} new {newCount === 1 ? "task" : "tasks"} · show
        </button>
      )}
    </div>
  );
}

/** Shown above the drawer when the task being edited changed elsewhere: nothing is overwritten silently. */
export function RemoteChangeNotice({ live }: { live: LiveState }) {
  const change = live.remoteChange;
  if (!change) return null;
  return (
    <div className="live-notice" role="alert">
      {change.deleted
        ? "This task was deleted by someone else."
        : `Someone else saved this task (version ${change.version}). Your edits are kept; saving will ask you to reload first.`}
    </div>
  );
}

import { API_URL, ApiError } from "../lib/api";
import { useWriteAccess } from "../lib/session";

export function EmptyState({
  filtered,
  onClear,
  onCreate,
}: {
  filtered: boolean;
  onClear: () => void;
  onCreate: () => void;
}) {
  const write = useWriteAccess();
  return (
    <div className="panel empty-state" role="status">
      {filtered ? (
        <>
          <h2>No tasks match these filters</h2>
          <p className="muted">Nothing matches the current search and filters. Other tasks exist.</p>
          <button type="button" className="primary" onClick={onClear}>
            Clear filters
          </button>
        </>
      ) : (
        <>
          <h2>No tasks yet</h2>
          <p className="muted">There are no tasks at all. Create the first one, or seed the database.</p>
          <button
            type="button"
            className="primary"
            onClick={onCreate}
            disabled={!write.canWrite}
            title={write.whyNot}
          >
            Create a task
          </button>
        </>
      )}
    </div>
  );
}

export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const unreachable = error instanceof ApiError && error.unreachable;
  return (
    <div className={`banner ${unreachable ? "banner-offline" : "banner-error"}`} role="alert">
      <div>
        {unreachable ? (
          <>
            <strong>The task service cannot be reached.</strong> Trying again every few seconds.{" "}
            <span className="muted">(No answer from {API_URL}.)</span>
          </>
        ) : (
          <>
            <strong>Loading tasks failed.</strong> {error instanceof Error ? error.message : String(error)}
          </>
        )}
      </div>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

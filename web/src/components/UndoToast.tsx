import { useEffect, useRef } from "react";
import type { PendingDelete } from "./use-pending-delete";

/** "Task deleted · Undo" during the grace period; the failure, if the delete then failed. */
export function UndoToast({
  pending,
  onUndo,
  onDismiss,
}: {
  pending: PendingDelete | null;
  onUndo: () => void;
  onDismiss: () => void;
}) {
  const undoButton = useRef<HTMLButtonElement>(null);
  const toast = useRef<HTMLDivElement>(null);
  const waitingId = pending?.kind === "waiting" ? pending.task.id : null;
  // The drawer that had focus is gone: Undo is where the keyboard can act next, and when the
  // toast goes, focus goes back to the grid rather than to the page.
  useEffect(() => {
    if (!waitingId) return;
    undoButton.current?.focus({ preventScroll: true });
    const element = toast.current;
    return () => {
      if (element?.contains(document.activeElement) || document.activeElement === document.body)
        document.querySelector<HTMLElement>(".grid-table")?.focus({ preventScroll: true });
    };
  }, [waitingId]);
  if (!pending) return null;
  return (
    <div
      ref={toast}
      className={`toast${pending.kind === "failed" ? " toast-error" : ""}`}
      role="status"
      aria-live="polite"
    >
      {pending.kind === "waiting" ? (
        <>
          <span>
            Task “<span className="toast-title">{pending.task.title}</span>” deleted.
          </span>
          <button ref={undoButton} type="button" onClick={onUndo}>
            Undo
          </button>
        </>
      ) : (
        <>
          <span>
            Could not delete “<span className="toast-title">{pending.task.title}</span>”: {pending.message}
          </span>
          <button type="button" onClick={onDismiss}>
            Dismiss
          </button>
        </>
      )}
    </div>
  );
}

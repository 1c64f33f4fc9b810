import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, deleteTask, type Task } from "../lib/api";

/** How long a deleted task can be brought back before the DELETE is sent. */
export const UNDO_GRACE_MS = 5_000;

export type PendingDelete = { kind: "waiting"; task: Task } | { kind: "failed"; task: Task; message: string };

interface Options {
  /** Hides the row now; returns what brings it back. */
  hide: (id: string) => () => void;
  /** The DELETE succeeded (or the task was already gone). */
  onDeleted: (task: Task) => void;
}

/**
 * Delete with a few seconds' grace: the row is hidden at once, the request waits, Undo cancels
 * it. A second delete, leaving the page or hiding it sends the waiting one at once (keepalive, so
 * the request outlives the page).
 */
export function usePendingDelete({ hide, onDeleted }: Options) {
  const [pending, setPending] = useState<PendingDelete | null>(null);
  const current = useRef<{ task: Task; restore: () => void; timer: ReturnType<typeof setTimeout> } | null>(
    null,
  );
  const latest = useRef({ onDeleted });
  latest.current = { onDeleted };

  const send = useCallback((keepalive = false) => {
    const waiting = current.current;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    current.current = null;
    const { task, restore } = waiting;
    deleteTask(task.id, { keepalive }).then(
      () => {
        setPending((state) => (state?.task.id === task.id ? null : state));
        latest.current.onDeleted(task);
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) {
          setPending((state) => (state?.task.id === task.id ? null : state));
          latest.current.onDeleted(task);
          return;
        }
        restore();
        const message = error instanceof Error ? error.message : String(error);
        setPending({ kind: "failed", task, message });
      },
    );
  }, []);

  const start = useCallback(
    (task: Task) => {
      send();
      const restore = hide(task.id);
      current.current = { task, restore, timer: setTimeout(() => send(), UNDO_GRACE_MS) };
      setPending({ kind: "waiting", task });
    },
    [hide, send],
  );

  const undo = useCallback(() => {
    const waiting = current.current;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    current.current = null;
    waiting.restore();
    setPending(null);
  }, []);

  const dismiss = useCallback(() => setPending(null), []);

  useEffect(() => {
    const flush = () => send(true);
    window.addEventListener("pagehide", flush);
    return () => {
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, [send]);

  return { pending, start, undo, dismiss };
}

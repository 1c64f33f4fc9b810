import {
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  useCallback,
  useEffect,
  useRef,
  useState,
} from "react";
import { ApiError, createTask, type FieldErrors, getTask, type Task, updateTask } from "../lib/api";
import { formatDateTime, PRIORITIES, PRIORITY_LABELS, STATUS_LABELS, STATUSES } from "../lib/labels";
import { useWriteAccess } from "../lib/session";
import {
  applyPatch,
  EMPTY_FORM,
  FIELD_LIMITS,
  formFromTask,
  friendlyFieldErrors,
  localFieldErrors,
  newIdempotencyKey,
  newTaskFromForm,
  patchFromForm,
  sameForm,
  type TaskFormValues,
} from "../lib/task-form";
import { DrawerTabs, type DrawerView, TaskHistory } from "./TaskHistory";

export interface OptimisticRows {
  /** Shows `task` in the grid now; returns the undo. */
  edit: (task: Task) => () => void;
  /** Marks the row as being deleted; returns the undo. */
  remove: (id: string) => () => void;
}

interface TaskDrawerProps {
  taskId: string;
  optimistic: OptimisticRows;
  onClose: () => void;
  onCreated: (task: Task) => void;
  onSaved: (task: Task) => void;
  /** The person confirmed the delete; the caller deletes it (after a grace period for Undo). */
  onDelete: (task: Task) => void;
  /** "Changed elsewhere" news about this task, shown at the top of the panel. */
  notice?: ReactNode;
}

type Load =
  | { kind: "loading" }
  | { kind: "failed"; error: ApiError | Error }
  | { kind: "ready"; task: Task | null };

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.unreachable) return `${error.message} Check that it is running, then try again.`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

const FIELD_IDS: Record<keyof TaskFormValues, string> = {
  title: "task-title",
  description: "task-description",
  status: "task-status",
  priority: "task-priority",
  assignee: "task-assignee",
  tags: "task-tags",
  dueAt: "task-due",
};

export function TaskDrawer({
  taskId,
  optimistic,
  onClose,
  onCreated,
  onSaved,
  onDelete,
  notice: remoteNotice,
}: TaskDrawerProps) {
  const creating = taskId === "new";
  const [view, setView] = useState<DrawerView>("details");
  const [load, setLoad] = useState<Load>(creating ? { kind: "ready", task: null } : { kind: "loading" });
  const [values, setValues] = useState<TaskFormValues>(EMPTY_FORM);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState<"saving" | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const write = useWriteAccess();
  const [reloads, setReloads] = useState(0);
  const idempotencyKey = useRef(newIdempotencyKey());
  const panel = useRef<HTMLElement>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const keepEditing = useRef<HTMLButtonElement>(null);
  const confirmWasOpen = useRef(false);

  const reset = useCallback(() => {
    setFieldErrors({});
    setFormError(null);
    setConflict(false);
    setConfirmDelete(false);
  }, []);

  useEffect(() => {
    reset();
    setNotice(null);
    if (creating) {
      setLoad({ kind: "ready", task: null });
      setValues(EMPTY_FORM);
      return;
    }
    const controller = new AbortController();
    setLoad({ kind: "loading" });
    getTask(taskId, controller.signal).then(
      ({ task }) => {
        setLoad({ kind: "ready", task });
        setValues(formFromTask(task));
      },
      (error: unknown) => {
        if ((error as { name?: string }).name === "AbortError") return;
        setLoad({ kind: "failed", error: error as Error });
      },
    );
    return () => controller.abort();
  }, [taskId, creating, reloads, reset]);

  useEffect(() => {
    // On a phone, focusing a field pops the keyboard over the task someone only wanted to read.
    const narrow = window.matchMedia?.("(max-width: 640px)").matches ?? false;
    if (load.kind === "ready" && (creating || !narrow)) firstField.current?.focus();
    else panel.current?.focus();
  }, [load.kind, creating]);

  // The delete confirmation replaces the Delete button: focus moves into it (to the safe choice)
  // and back to Delete when it closes, never to the page.
  useEffect(() => {
    if (confirmDelete) keepButton.current?.focus();
    else if (confirmWasOpen.current) deleteButton.current?.focus();
    confirmWasOpen.current = confirmDelete;
  }, [confirmDelete]);

  useEffect(() => {
    if (confirmDiscard) keepEditing.current?.focus();
  }, [confirmDiscard]);

  const task = load.kind === "ready" ? load.task : null;
  const dirty =
    load.kind === "ready" && !sameForm(values, task ? formFromTask(task) : EMPTY_FORM) && busy !== "saving";

  /** Every way of closing asks first when there are unsaved edits. */
  const requestClose = () => {
    if (dirty) setConfirmDiscard(true);
    else onClose();
  };

  const change = <K extends keyof TaskFormValues>(key: K, value: TaskFormValues[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    setFieldErrors(({ [key]: _, ...rest }) => rest);
    setNotice(null);
    // A different request deserves a different key; a retried identical one must reuse it.
    idempotencyKey.current = newIdempotencyKey();
  };

  const fail = (error: unknown) => {
    if (error instanceof ApiError && error.status === 412) {
      setConflict(true);
      return;
    }
    const fields = error instanceof ApiError ? friendlyFieldErrors(error.fieldErrors, values) : {};
    const known = Object.keys(fields).filter((key) => key in FIELD_IDS);
    setFieldErrors(fields);
    setFormError(
      known.length > 0 && known.length === Object.keys(fields).length
        ? "Please fix the marked fields."
        : describe(error),
    );
    const first = known[0] as keyof TaskFormValues | undefined;
    if (first) document.getElementById(FIELD_IDS[first])?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    reset();
    setNotice(null);
    // What the browser can tell without asking the API, it tells at once, in the same words.
    const local = localFieldErrors(values);
    if (Object.keys(local).length > 0) {
      fail(new ApiError(422, "validation_failed", "Please fix the marked fields.", local));
      return;
    }
    setBusy("saving");
    if (creating) {
      try {
        const created = await createTask(newTaskFromForm(values), idempotencyKey.current);
        onCreated(created);
      } catch (error) {
        fail(error);
      } finally {
        setBusy(null);
      }
      return;
    }
    if (!task) return;
    const patch = patchFromForm(task, values);
    if (Object.keys(patch).length === 0) {
      setBusy(null);
      setNotice("Nothing to save: no field was changed.");
      return;
    }
    const undo = optimistic.edit(applyPatch(task, patch));
    try {
      const { task: saved } = await updateTask(task.id, patch, task.version);
      setLoad({ kind: "ready", task: saved });
      setValues(formFromTask(saved));
      setNotice("Saved.");
      onSaved(saved);
    } catch (error) {
      undo();
      fail(error);
    } finally {
      setBusy(null);
    }
  };

  const remove = () => {
    if (!task || busy) return;
    reset();
    onDelete(task);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      if (confirmDiscard) setConfirmDiscard(false);
      else requestClose();
      return;
    }
    if (event.key !== "Tab" || !panel.current) return;
    // Keep focus inside the dialog while it is open.
    const focusable = panel.current.querySelectorAll<HTMLElement>(
      "button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [href]",
    );
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  const field = (key: keyof TaskFormValues) => ({
    id: FIELD_IDS[key],
    "aria-invalid": fieldErrors[key] ? true : undefined,
    "aria-describedby": fieldErrors[key] ? `${FIELD_IDS[key]}-error` : undefined,
  });
  const errorFor = (key: keyof TaskFormValues) =>
    fieldErrors[key] ? (
      <p className="field-error" id={`${FIELD_IDS[key]}-error`}>
        {fieldErrors[key]}
      </p>
    ) : null;

  const heading = creating ? "New task" : task ? `Task #${task.id}` : `Task #${taskId}`;

  return (
    <div className="drawer-layer">
      <div className="drawer-backdrop" onClick={requestClose} aria-hidden="true" />
      <aside
        ref={panel}
        className="drawer"
        role="dialog"
        aria-modal="true"
        aria-labelledby="drawer-heading"
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header className="drawer-header">
          <h2 id="drawer-heading">{heading}</h2>
          <button type="button" className="icon-button" onClick={requestClose} aria-label="Close">
            ✕
          </button>
        </header>

        {remoteNotice}

        {confirmDiscard && (
          <div className="confirm discard" role="alertdialog" aria-labelledby="discard-text">
            <p id="discard-text">You have unsaved changes. Close and lose them?</p>
            <button ref={keepEditing} type="button" onClick={() => setConfirmDiscard(false)}>
              Keep editing
            </button>
            <button type="button" className="danger" onClick={onClose}>
              Discard changes
            </button>
          </div>
        )}

        {load.kind === "loading" && <p className="drawer-status">Loading task…</p>}

        {load.kind === "failed" && (
          <div className="drawer-status" role="alert">
            <p>
              {load.error instanceof ApiError && load.error.status === 404
                ? "This task does not exist (it may have been deleted)."
                : describe(load.error)}
            </p>
            <button type="button" onClick={() => setReloads((count) => count + 1)}>
              Try again
            </button>
          </div>
        )}

        {task && <DrawerTabs view={view} onChange={setView} />}
        {task && view === "history" && <TaskHistory taskId={task.id} version={task.version} />}

        {load.kind === "ready" && !(task && view === "history") && (
          <form className="task-form" onSubmit={submit} noValidate>
            {conflict && (
              <div className="conflict" role="alert">
                <p>
                  <strong>Someone else changed this task</strong> after you opened it, so your edit was not
                  saved (it was made against version {task?.version}). Reload to see the current version, then
                  make your change again.
                </p>
                <button type="button" onClick={() => setReloads((count) => count + 1)}>
                  Reload task
                </button>
              </div>
            )}
            {formError && (
              <p className="form-error" role="alert">
                {formError}
              </p>
            )}
            {notice && (
              <p className="form-notice" role="status">
                {notice}
              </p>
            )}

            <label htmlFor={FIELD_IDS.title}>Title</label>
            <input
              ref={firstField}
              {...field("title")}
              value={values.title}
              onChange={(event) => change("title", event.target.value)}
              autoComplete="off"
            />
            <LengthCounter value={values.title} max={FIELD_LIMITS.title} />
            {errorFor("title")}

            <label htmlFor={FIELD_IDS.description}>Description</label>
            <textarea
              {...field("description")}
              rows={4}
              value={values.description}
              onChange={(event) => change("description", event.target.value)}
            />
            <LengthCounter value={values.description} max={FIELD_LIMITS.description} />
            {errorFor("description")}

            <div className="form-row">
              <div>
                <label htmlFor={FIELD_IDS.status}>Status</label>
                <select
                  {...field("status")}
                  value={values.status}
                  onChange={(event) => change("status", event.target.value as TaskFormValues["status"])}
                >
                  {STATUSES.map((status) => (
                    <option key={status} value={status}>
                      {STATUS_LABELS[status]}
                    </option>
                  ))}
                </select>
                {errorFor("status")}
              </div>
              <div>
                <label htmlFor={FIELD_IDS.priority}>Priority</label>
                <select
                  {...field("priority")}
                  value={values.priority}
                  onChange={(event) => change("priority", event.target.value as TaskFormValues["priority"])}
                >
                  {PRIORITIES.map((priority) => (
                    <option key={priority} value={priority}>
                      {PRIORITY_LABELS[priority]}
                    </option>
                  ))}
                </select>
                {errorFor("priority")}
              </div>
            </div>

            <label htmlFor={FIELD_IDS.assignee}>Assignee</label>
            <input
              {...field("assignee")}
              value={values.assignee}
              onChange={(event) => change("assignee", event.target.value)}
              autoComplete="off"
            />
            {errorFor("assignee")}

            <label htmlFor={FIELD_IDS.tags}>Tags (comma-separated)</label>
            <input
              {...field("tags")}
              value={values.tags}
              onChange={(event) => change("tags", event.target.value)}
              autoComplete="off"
            />
            {errorFor("tags")}

            <label htmlFor={FIELD_IDS.dueAt}>Due</label>
            <input
              {...field("dueAt")}
              type="datetime-local"
              value={values.dueAt}
              onChange={(event) => change("dueAt", event.target.value)}
            />
            {errorFor("dueAt")}

            {task && (
              <p className="meta">
                Created {formatDateTime(task.createdAt)} · updated {formatDateTime(task.updatedAt)} · version{" "}
                {task.version}
              </p>
            )}

            <div className="drawer-actions">
              <button
                type="submit"
                className="primary"
                disabled={busy !== null || conflict || !write.canWrite}
                title={write.whyNot}
              >
                {busy === "saving" ? "Saving…" : creating ? "Create task" : "Save changes"}
              </button>
              <button type="button" onClick={requestClose}>
                {creating ? "Cancel" : "Close"}
              </button>
              {task && !confirmDelete && (
                <button
                  ref={deleteButton}
                  type="button"
                  className="danger"
                  disabled={busy !== null || !write.canWrite}
                  title={write.whyNot}
                  onClick={() => setConfirmDelete(true)}
                >
                  Delete
                </button>
              )}
            </div>
            {task && confirmDelete && (
              <div className="confirm" role="alertdialog" aria-labelledby="confirm-text">
                <p id="confirm-text">Delete “{task.title}”? You can undo it for a few seconds.</p>
                <button type="button" className="danger" onClick={remove} disabled={busy !== null}>
                  Delete task
                </button>
                <button ref={keepButton} type="button" onClick={() => setConfirmDelete(false)}>
                  Keep it
                </button>
              </div>
            )}
          </form>
        )}
      </aside>
    </div>
  );
}

/** "12 / 200": the limit before the API has to say it. */
function LengthCounter({ value, max }: { value: string; max: number }) {
  const over = value.length > max;
  return (
    <span className={`length-counter${over ? " over" : ""}`} aria-hidden={!over || undefined}>
      {value.length.toLocaleString("en-US")} / {max.toLocaleString("en-US")}
      {over ? " (too long)" : ""}
    </span>
  );
}

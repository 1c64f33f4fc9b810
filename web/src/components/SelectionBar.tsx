import { type FormEvent, useEffect, useRef, useState } from "react";
import { MAX_SELECTION_IDS } from "#contract/constants";
import type { BulkActionInput, ExportFormat } from "../lib/api";
import { PRIORITIES, PRIORITY_LABELS, STATUS_LABELS, STATUSES } from "../lib/labels";
import { formatCount } from "../lib/row-window";
import { type Selection, selectedCount } from "../lib/selection";
import { useWriteAccess } from "../lib/session";

export interface SelectionBarProps {
  selection: Selection;
  /** How many tasks the view has (null while unknown) and whether that is exact. */
  total: number | null;
  exact: boolean;
  onSelectAll: () => void;
  onClear: () => void;
  /** Starts a bulk job over the selection; `label` says what it does in words. */
  onBulk: (action: BulkActionInput, label: string) => void;
  /** Exports the selection (a whole view) or, when it is hand-picked, the view it came from. */
  onExport: (format: ExportFormat, what: "selection" | "view") => void;
}

function countText(selection: Selection): string {
  const { value, exact } = selectedCount(selection);
  return `${exact ? "" : "about "}${formatCount(value)} ${value === 1 ? "task" : "tasks"} selected`;
}

/**
 * What is selected and what can be done to it: set status, priority or assignee, add or remove a
 * tag, delete (after a confirmation naming how many), export. Each action starts one background
 * job over the selection, never one request per task.
 */
export function SelectionBar(props: SelectionBarProps) {
  const { selection, total, exact } = props;
  const write = useWriteAccess();
  const [confirming, setConfirming] = useState(false);
  const [tag, setTag] = useState("");
  const [assignee, setAssignee] = useState("");
  const keep = useRef<HTMLButtonElement>(null);
  const count = selectedCount(selection);
  const tooMany =
    selection.kind === "ids"
      ? selection.ids.size > MAX_SELECTION_IDS
      : selection.except.size > MAX_SELECTION_IDS;
  const disabled = !write.canWrite || tooMany;
  const why = tooMany
    ? `At most ${formatCount(MAX_SELECTION_IDS)} tasks can be picked one by one: select all matching instead.`
    : write.whyNot;
  const n = formatCount(count.value);
  const plural = count.value === 1 ? "task" : "tasks";
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  useEffect(() => setConfirming(false), [selection]);

  const submitTag = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const button = (event.nativeEvent as SubmitEvent).submitter?.getAttribute("value");
    const value = tag.trim();
    if (!value) return;
    if (button === "remove") props.onBulk({ removeTags: [value] }, `Remove tag “${value}”`);
    else props.onBulk({ addTags: [value] }, `Add tag “${value}”`);
    setTag("");
  };
  const submitAssignee = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = assignee.trim();
    props.onBulk({ set: { assignee: value || null } }, value ? `Assign to ${value}` : "Unassign");
    setAssignee("");
  };
  const moreToSelect = selection.kind === "ids" && total !== null && total > selection.ids.size;

  return (
    <section className="selection-bar" aria-label="Selected tasks">
      <p className="selection-count" role="status" aria-live="polite">
        {countText(selection)}
      </p>
      {moreToSelect && (
        <button type="button" className="link-button" onClick={props.onSelectAll}>
          Select all {exact ? "" : "about "}
          {formatCount(total)} matching
        </button>
      )}
      <button type="button" className="link-button" onClick={props.onClear}>
        Clear selection
      </button>
      <div className="selection-actions">
        <label className="visually-hidden" htmlFor="bulk-status">
          Set status of the selected tasks
        </label>
        <select
          id="bulk-status"
          value=""
          disabled={disabled}
          title={why}
          onChange={(event) => {
            const status = event.target.value as (typeof STATUSES)[number];
            if (status) props.onBulk({ set: { status } }, `Set status to ${STATUS_LABELS[status]}`);
          }}
        >
          <option value="">Set status…</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </select>
        <label className="visually-hidden" htmlFor="bulk-priority">
          Set priority of the selected tasks
        </label>
        <select
          id="bulk-priority"
          value=""
          disabled={disabled}
          title={why}
          onChange={(event) => {
            const priority = event.target.value as (typeof PRIORITIES)[number];
            if (priority) props.onBulk({ set: { priority } }, `Set priority to ${PRIORITY_LABELS[priority]}`);
          }}
        >
          <option value="">Set priority…</option>
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {PRIORITY_LABELS[priority]}
            </option>
          ))}
        </select>
        <form className="inline-form" onSubmit={submitAssignee}>
          <label className="visually-hidden" htmlFor="bulk-assignee">
            Assignee for the selected tasks (empty: unassign)
          </label>
          <input
            id="bulk-assignee"
            value={assignee}
            placeholder="assignee"
            maxLength={100}
            autoComplete="off"
            disabled={disabled}
            onChange={(event) => setAssignee(event.target.value)}
          />
          <button type="submit" disabled={disabled} title={why}>
            {assignee.trim() ? "Assign" : "Unassign"}
          </button>
        </form>
        <form className="inline-form" onSubmit={submitTag}>
          <label className="visually-hidden" htmlFor="bulk-tag">
            Tag to add to or remove from the selected tasks
          </label>
          <input
            id="bulk-tag"
            value={tag}
            placeholder="tag"
            maxLength={40}
            autoComplete="off"
            disabled={disabled}
            onChange={(event) => setTag(event.target.value)}
          />
          <button type="submit" name="tag-action" value="add" disabled={disabled || !tag.trim()} title={why}>
            Add tag
          </button>
          <button
            type="submit"
            name="tag-action"
            value="remove"
            disabled={disabled || !tag.trim()}
            title={why}
          >
            Remove tag
          </button>
        </form>
        <label className="visually-hidden" htmlFor="bulk-export">
          Export
        </label>
        <select
          id="bulk-export"
          value=""
          disabled={tooMany}
          onChange={(event) => {
            const [what, format] = event.target.value.split(":") as ["selection" | "view", ExportFormat];
            if (format) props.onExport(format, what);
          }}
        >
          <option value="">Export…</option>
          {selection.kind === "all" && selection.except.size === 0 ? (
            <>
              <option value="selection:csv">Export selection as CSV</option>
              <option value="selection:ndjson">Export selection as NDJSON</option>
            </>
          ) : (
            <>
              <option value="view:csv">Export the whole view as CSV</option>
              <option value="view:ndjson">Export the whole view as NDJSON</option>
            </>
          )}
        </select>
        {confirming ? (
          <div
            className="confirm"
            role="alertdialog"
            aria-label="Confirm delete"
            aria-describedby="bulk-delete-question"
          >
            <p id="bulk-delete-question">
              Delete {count.exact ? "" : "about "}
              {n} {plural}? This cannot be undone.
            </p>
            <button
              type="button"
              className="danger"
              onClick={() => {
                setConfirming(false);
                props.onBulk({ delete: true }, `Delete ${n} ${plural}`);
              }}
            >
              Delete {n} {plural}
            </button>
            <button ref={keep} type="button" onClick={() => setConfirming(false)}>
              Keep them
            </button>
          </div>
        ) : (
          <button
            type="button"
            className="danger"
            disabled={disabled}
            title={why}
            onClick={() => setConfirming(true)}
          >
            Delete…
          </button>
        )}
      </div>
    </section>
  );
}

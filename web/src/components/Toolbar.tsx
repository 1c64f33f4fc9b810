import { useEffect, useRef, useState } from "react";
import { isSearchableTerm, MIN_SEARCH_RUN } from "#contract/constants";
import type { Facets } from "../lib/api";
import { PRIORITIES, PRIORITY_LABELS, SORT_KEYS, SORT_LABELS, STATUS_LABELS, STATUSES } from "../lib/labels";
import { formatCount } from "../lib/row-window";
import { useWriteAccess } from "../lib/session";
import { hasFilters, type ViewState } from "../lib/url-state";
import { facetCount } from "./use-facets";
import { type HistoryMode, useDebounced } from "./use-view-state";

/** Typing waits this long before a request; the box shows that a search is pending meanwhile. */
export const SEARCH_DEBOUNCE_MS = 300;

interface ToolbarProps {
  view: ViewState;
  /** A request for the current view is in flight (previous rows stay on screen). */
  loading: boolean;
  onChange: (patch: Partial<ViewState>, mode?: HistoryMode) => void;
  onCreate: () => void;
  /** Assignees and tags seen in loaded rows, offered as the filters are typed. */
  suggestions?: { assignees: readonly string[]; tags: readonly string[] };
  /** Counts for the current filters (GET /tasks/facets), shown in the chips; null while unknown. */
  facets?: Facets | null;
}

/**
 * A chip's count: "1,204", or "~1,204" when the facet is an estimate. The chip's name stays the
 * value alone ("Done"); the count is its description, so a screen reader says both.
 */
function ChipCount({ id, count }: { id: string; count: { count: number; exact: boolean } | null }) {
  // The room is kept while counts load, so their arrival never rewraps the filters.
  if (!count) return <span className="chip-count" />;
  return (
    <span id={id} className={`chip-count${count.exact ? "" : " estimated"}`} data-exact={count.exact}>
      {count.exact ? "" : "~"}
      {formatCount(count.count)}
      <span className="visually-hidden">
        {" "}
        {count.count === 1 ? "task" : "tasks"}
        {count.exact ? "" : " (estimated)"}
      </span>
    </span>
  );
}

/** The chips of a fixed set of values (status, priority): pressed when chosen, with their facet counts. */
function ChoiceChips<V extends string>({
  legend,
  dimension,
  values,
  labels,
  chosen,
  facets,
  onToggle,
}: {
  legend: string;
  dimension: "status" | "priority";
  values: readonly V[];
  labels: Record<V, string>;
  chosen: readonly V[];
  facets: Facets | null;
  onToggle: (value: V) => void;
}) {
  return (
    <fieldset className="chips">
      <legend>{legend}</legend>
      {values.map((value) => {
        const count = facetCount(facets, dimension, value);
        return (
          <button
            key={value}
            type="button"
            className={`chip ${dimension}-${value}`}
            aria-pressed={chosen.includes(value)}
            aria-label={labels[value]}
            aria-describedby={count ? `facet-${dimension}-${value}` : undefined}
            onClick={() => onToggle(value)}
          >
            {labels[value]}
            <ChipCount id={`facet-${dimension}-${value}`} count={count} />
          </button>
        );
      })}
    </fieldset>
  );
}

/** Facet values not seen in the loaded rows yet go after those that were. */
function withFacet(seen: readonly string[] | undefined, facet: Facets["assignee"] | undefined): string[] {
  const names = new Set(seen ?? []);
  for (const bucket of facet?.buckets ?? []) if (bucket.value) names.add(bucket.value);
  return [...names];
}

function toggle<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((value) => value !== item) : [...list, item];
}

/** A text input whose value reaches the view after a pause in typing. */
function useDraft(value: string, apply: (value: string) => void): [string, (value: string) => void, boolean] {
  const [draft, setDraft] = useState(value);
  const settled = useDebounced(draft, SEARCH_DEBOUNCE_MS);
  const applied = useRef(value);
  useEffect(() => {
    if (settled === value) return;
    applied.current = settled;
    apply(settled);
  }, [settled]);
  // A change that did not come from typing here (Clear filters, back button) replaces the draft.
  useEffect(() => {
    if (value !== applied.current) {
      applied.current = value;
      setDraft(value);
    }
  }, [value]);
  return [draft, setDraft, draft.trim() !== value.trim()];
}

export function Toolbar({ view, loading, onChange, onCreate, suggestions, facets = null }: ToolbarProps) {
  const write = useWriteAccess();
  const [q, setQ, qTyping] = useDraft(view.q, (value) => onChange({ q: value }, "typing"));
  const [assignee, setAssignee, assigneeTyping] = useDraft(view.assignee, (value) =>
    onChange({ assignee: value }, "typing"),
  );
  const [tag, setTag, tagTyping] = useDraft(view.tag, (value) => onChange({ tag: value }, "typing"));
  const [filtersOpen, setFiltersOpen] = useState(false);
  const pending = loading || qTyping || assigneeTyping || tagTyping;
  const activeFilters =
    view.status.length +
    view.priority.length +
    (view.assignee ? 1 : 0) +
    (view.tag ? 1 : 0) +
    (view.dueFrom || view.dueTo ? 1 : 0);

  const clear = () => {
    setQ("");
    setAssignee("");
    setTag("");
    onChange({ q: "", assignee: "", tag: "", status: [], priority: [], dueFrom: "", dueTo: "" });
  };

  return (
    <div className="toolbar">
      <div className="toolbar-main">
        <div className={`search${pending ? " pending" : ""}`}>
          <label htmlFor="task-search" className="visually-hidden">
            Search task titles
          </label>
          <input
            id="task-search"
            type="search"
            placeholder="Search titles…"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter") onChange({ q });
            }}
            autoComplete="off"
            maxLength={200}
          />
          <span className="spinner" aria-hidden="true" />
          <span className="visually-hidden" role="status" aria-live="polite">
            {pending ? "Searching…" : ""}
          </span>
          {q.trim() && !isSearchableTerm(q) ? (
            <span className="search-hint" role="note">
              Type at least {MIN_SEARCH_RUN} letters or digits to search
            </span>
          ) : null}
        </div>
        <label htmlFor="task-sort" className="visually-hidden">
          Sort by
        </label>
        <select
          id="task-sort"
          className="sort-select"
          value={view.sort}
          onChange={(event) => onChange({ sort: event.target.value })}
        >
          {SORT_KEYS.flatMap((key) => [
            <option key={`-${key}`} value={`-${key}`}>
              {SORT_LABELS[key]} ↓
            </option>,
            <option key={key} value={key}>
              {SORT_LABELS[key]} ↑
            </option>,
          ])}
        </select>
        <button
          type="button"
          className="filters-toggle"
          aria-expanded={filtersOpen}
          aria-controls="task-filters"
          onClick={() => setFiltersOpen((open) => !open)}
        >
          Filters{activeFilters ? ` (${activeFilters})` : ""}
        </button>
        <button
          type="button"
          className="primary"
          onClick={onCreate}
          disabled={!write.canWrite}
          title={write.whyNot}
        >
          New task
        </button>
      </div>
      <div id="task-filters" className={`filters${filtersOpen ? " open" : ""}`}>
        <ChoiceChips
          legend="Status"
          dimension="status"
          values={STATUSES}
          labels={STATUS_LABELS}
          chosen={view.status}
          facets={facets}
          onToggle={(status) => onChange({ status: toggle(view.status, status) })}
        />
        <ChoiceChips
          legend="Priority"
          dimension="priority"
          values={PRIORITIES}
          labels={PRIORITY_LABELS}
          chosen={view.priority}
          facets={facets}
          onToggle={(priority) => onChange({ priority: toggle(view.priority, priority) })}
        />
        <div className="text-filter">
          <label htmlFor="filter-assignee">Assignee</label>
          <input
            id="filter-assignee"
            value={assignee}
            onChange={(event) => setAssignee(event.target.value)}
            autoComplete="off"
            maxLength={100}
            list="assignee-suggestions"
            placeholder="anyone"
          />
          <datalist id="assignee-suggestions">
            {withFacet(suggestions?.assignees, facets?.assignee).map((name) => {
              const count = facetCount(facets, "assignee", name);
              return (
                <option
                  key={name}
                  value={name}
                  label={
                    count?.count
                      ? `${name} (${count.exact ? "" : "~"}${formatCount(count.count)})`
                      : undefined
                  }
                />
              );
            })}
          </datalist>
        </div>
        <div className="text-filter">
          <label htmlFor="filter-tag">Tag</label>
          <input
            id="filter-tag"
            value={tag}
            onChange={(event) => setTag(event.target.value)}
            autoComplete="off"
            maxLength={40}
            list="tag-suggestions"
            placeholder="any"
          />
          <datalist id="tag-suggestions">
            {withFacet(suggestions?.tags, facets?.tag).map((name) => {
              const count = facetCount(facets, "tag", name);
              return (
                <option
                  key={name}
                  value={name}
                  label={
                    count?.count
                      ? `${name} (${count.exact ? "" : "~"}${formatCount(count.count)})`
                      : undefined
                  }
                />
              );
            })}
          </datalist>
        </div>
        <fieldset className="due-filter">
          <legend>Due</legend>
          <label htmlFor="filter-due-from">from</label>
          <input
            id="filter-due-from"
            type="date"
            value={view.dueFrom}
            max={view.dueTo || undefined}
            onChange={(event) => onChange({ dueFrom: event.target.value })}
          />
          <label htmlFor="filter-due-to">to</label>
          <input
            id="filter-due-to"
            type="date"
            value={view.dueTo}
            min={view.dueFrom || undefined}
            onChange={(event) => onChange({ dueTo: event.target.value })}
          />
        </fieldset>
        {hasFilters(view) && (
          <button type="button" className="link-button" onClick={clear}>
            Clear filters
          </button>
        )}
      </div>
    </div>
  );
}

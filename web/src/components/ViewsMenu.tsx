import { type FormEvent, useEffect, useRef, useState } from "react";
import { MAX_VIEW_NAME } from "#contract/constants";
import { ApiError, createView, deleteView, listViews, updateView, type View } from "../lib/api";
import { type ColumnLayout, toViewColumns } from "../lib/columns";
import { useSession } from "../lib/session";

export interface ViewsMenuProps {
  /** The saved view open now (from the URL), if any. */
  current: View | null;
  /** The current filters, sort and search as the list query's strings. */
  query: Record<string, string>;
  layout: ColumnLayout;
  onOpen: (view: View) => void;
  /** A view was saved or changed: it is the one open now. */
  onSaved: (view: View) => void;
  /** The open view was deleted. */
  onDeleted: (id: string) => void;
}

export function shareLink(view: Pick<View, "id">): string {
  return `${window.location.origin}${window.location.pathname}?view=${view.id}`;
}

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : "Something went wrong; try again.";
}

/**
 * Saved views: the person's own, by name, to reopen; the current grid (filters, sort, search,
 * columns) saved under a name or over the open view; a view shared by link (`?view=<id>`), which
 * anyone signed in can open.
 */
export function ViewsMenu(props: ViewsMenuProps) {
  const { current } = props;
  const me = useSession().current;
  const [open, setOpen] = useState(false);
  const [views, setViews] = useState<View[] | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const mine = current !== null && me !== null && current.owner.id === me.id;

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    listViews(controller.signal).then(setViews, (caught) => {
      if ((caught as Error).name !== "AbortError") setError(message(caught));
    });
    const onDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    // Escape closes the panel and gives focus back to its button (and goes no further: the grid
    // would take it as "clear the selection").
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || !root.current?.contains(document.activeElement)) return;
      event.stopPropagation();
      setOpen(false);
      root.current.querySelector<HTMLButtonElement>("button")?.focus();
    };
    document.addEventListener("pointerdown", onDown);
    document.addEventListener("keydown", onKey, true);
    return () => {
      controller.abort();
      document.removeEventListener("pointerdown", onDown);
      document.removeEventListener("keydown", onKey, true);
    };
  }, [open]);

  const saveNew = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    try {
      const view = await createView({
        name: name.trim(),
        query: props.query,
        columns: toViewColumns(props.layout),
      });
      setName("");
      setViews((list) => [...(list ?? []), view].sort((a, b) => a.name.localeCompare(b.name)));
      props.onSaved(view);
    } catch (caught) {
      setError(message(caught));
    }
  };

  const saveOver = async () => {
    if (!current) return;
    setError(null);
    try {
      props.onSaved(
        await updateView(current.id, { query: props.query, columns: toViewColumns(props.layout) }),
      );
    } catch (caught) {
      setError(message(caught));
    }
  };

  const share = async (view: View) => {
    setError(null);
    try {
      const shared = view.shared ? view : await updateView(view.id, { shared: true });
      setViews((list) => list?.map((other) => (other.id === shared.id ? shared : other)) ?? null);
      if (current?.id === shared.id) props.onSaved(shared);
      const url = shareLink(shared);
      setLink(url);
      await navigator.clipboard?.writeText(url).catch(() => {});
    } catch (caught) {
      setError(message(caught));
    }
  };

  const remove = async (view: View) => {
    setError(null);
    try {
      await deleteView(view.id);
      setViews((list) => list?.filter((other) => other.id !== view.id) ?? null);
      if (current?.id === view.id) props.onDeleted(view.id);
    } catch (caught) {
      setError(message(caught));
    }
  };

  return (
    <div className="menu-root" ref={root}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="views-panel"
        onClick={() => setOpen((value) => !value)}
      >
        {current ? `View: ${current.name}` : "Views"}
      </button>
      {open && (
        <section id="views-panel" className="menu-panel views-panel" aria-label="Saved views">
          {views === null ? (
            <p className="muted">Loading views…</p>
          ) : views.length === 0 ? (
            <p className="muted">No saved views yet.</p>
          ) : (
            <ul className="views-list" aria-label="Your views">
              {views.map((view) => (
                <li key={view.id}>
                  <button
                    type="button"
                    className="link-button"
                    aria-current={current?.id === view.id ? "true" : undefined}
                    onClick={() => {
                      setOpen(false);
                      props.onOpen(view);
                    }}
                  >
                    {view.name}
                  </button>
                  <button type="button" aria-label={`Share “${view.name}”`} onClick={() => void share(view)}>
                    Share
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete view “${view.name}”`}
                    onClick={() => void remove(view)}
                  >
                    Delete
                  </button>
                </li>
              ))}
            </ul>
          )}
          {link && (
            <div className="share-link">
              <label htmlFor="view-share-link">Link to share (copied)</label>
              <input id="view-share-link" readOnly value={link} onFocus={(event) => event.target.select()} />
            </div>
          )}
          {mine && current && (
            <button type="button" onClick={() => void saveOver()}>
              Save changes to “{current.name}”
            </button>
          )}
          <form className="inline-form" onSubmit={(event) => void saveNew(event)}>
            <label htmlFor="view-name">Save this view as</label>
            <input
              id="view-name"
              value={name}
              maxLength={MAX_VIEW_NAME}
              autoComplete="off"
              onChange={(event) => setName(event.target.value)}
            />
            <button type="submit" disabled={!name.trim()}>
              Save view
            </button>
          </form>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
        </section>
      )}
    </div>
  );
}

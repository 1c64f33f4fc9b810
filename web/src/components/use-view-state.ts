import { useCallback, useEffect, useRef, useState } from "react";
import { parseViewState, serializeViewState, type ViewState } from "../lib/url-state";

/** The view state, mirrored into the URL (replaceState, written once scrolling or typing pauses). */
export function useViewState(): [ViewState, (patch: Partial<ViewState>) => void] {
  const [view, setView] = useState<ViewState>(() => parseViewState(window.location.search));
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const onPop = () => setView(parseViewState(window.location.search));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    clearTimeout(timer.current);
    const write = () => {
      const search = serializeViewState(view);
      if (search !== window.location.search) {
        window.history.replaceState(null, "", `${window.location.pathname}${search}${window.location.hash}`);
      }
    };
    // Scrolling changes `row` every frame; the URL only needs where the user stopped.
    timer.current = setTimeout(write, 250);
    return () => clearTimeout(timer.current);
  }, [view]);

  const update = useCallback((patch: Partial<ViewState>) => {
    setView((current) => {
      const next = { ...current, ...patch };
      return Object.keys(patch).every((key) =>
        Object.is(current[key as keyof ViewState], next[key as keyof ViewState]),
      )
        ? current
        : next;
    });
  }, []);

  return [view, update];
}

/** `value` after it stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

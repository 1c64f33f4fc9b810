import { useEffect, useRef, useState } from "react";
import { getSeedStatus, type SeedProgress } from "../lib/api";
import { formatCount } from "../lib/row-window";

/** While a load runs; while the grid is empty (a first start's load may not have begun yet). */
const LOADING_POLL_MS = 1_000;
const EMPTY_POLL_MS = 2_000;

function secondsLeft(ms: number | null): string {
  if (ms === null) return "";
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds < 90 ? `, about ${seconds} s left` : `, about ${Math.round(seconds / 60)} min left`;
}

/**
 * "Loading demo data: 43%, about 9 s left" while the first `npm start` seeds its database (or any
 * bulk load runs); calls onDone when the load finishes, so the grid fills in without a reload.
 */
export function DemoDataNotice({ total, onDone }: { total: number | null; onDone: () => void }) {
  const [progress, setProgress] = useState<SeedProgress | null>(null);
  const shown = useRef(0);
  const latest = useRef(onDone);
  latest.current = onDone;
  const watching = progress !== null || total === null || total === 0;

  useEffect(() => {
    if (!watching) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let loading = progress !== null;
    const poll = async () => {
      const next = await getSeedStatus(controller.signal).catch(() => undefined);
      if (controller.signal.aborted) return;
      if (next !== undefined) {
        // Estimates can dip between phases; the bar never goes backwards.
        if (next) shown.current = Math.max(shown.current, next.fraction);
        setProgress(next);
        if (loading && next === null) latest.current();
        loading = next !== null;
      }
      timer = setTimeout(poll, loading ? LOADING_POLL_MS : EMPTY_POLL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [watching]);

  if (!progress) return null;
  const percent = Math.floor(shown.current * 100);
  return (
    <div className="demo-notice" role="status">
      <strong>
        Loading demo data: {percent}%{secondsLeft(progress.etaMs)}
      </strong>
      <span> ({formatCount(progress.count)} tasks; the list fills in when they are ready)</span>
      <progress max={100} value={percent} />
    </div>
  );
}

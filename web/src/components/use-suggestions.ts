import { useMemo, useRef } from "react";
import type { BlockStore } from "../lib/block-store";

/** Suggestions kept per session; the seeded data has a few dozen assignees and tags. */
const MAX_SUGGESTIONS = 500;

/**
 * Assignees and tags seen in the rows loaded so far this session, sorted, for the filter pickers.
 * The API has no suggestions endpoint; the rows on hand (up to 4,000 of them, scanned when rows
 * arrive) already name the people and tags a person is likely to filter by, and the set only
 * grows, so narrowing to one assignee does not hide the others.
 */
export function useSuggestions(
  store: BlockStore | null,
  tick: number,
): { assignees: readonly string[]; tags: readonly string[] } {
  const seen = useRef({ assignees: new Set<string>(), tags: new Set<string>() });
  // `tick` changes whenever rows arrive in the store.
  return useMemo(() => {
    const { assignees, tags } = seen.current;
    if (store) {
      for (const task of store.loadedTasks()) {
        if (task.assignee && assignees.size < MAX_SUGGESTIONS) assignees.add(task.assignee);
        for (const tag of task.tags) if (tags.size < MAX_SUGGESTIONS) tags.add(tag);
      }
    }
    const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
    return { assignees: sorted(assignees), tags: sorted(tags) };
  }, [store, tick]);
}

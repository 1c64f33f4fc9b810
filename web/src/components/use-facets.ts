import { useEffect, useState } from "react";
import { type Facets, getFacets } from "../lib/api";
import { listParams, queryKey, type ViewState } from "../lib/url-state";

/** Counts follow the filters once they stop changing for this long (typing, chip after chip). */
const FACETS_DEBOUNCE_MS = 250;

/**
 * GET /tasks/facets for the view's filters, again after writes (`revision`). Counts are an aid:
 * a failure leaves the chips without numbers rather than showing an error.
 */
export function useFacets(view: ViewState, revision: number): Facets | null {
  const [facets, setFacets] = useState<Facets | null>(null);
  const key = queryKey(view);
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      getFacets(listParams(view), controller.signal).then(setFacets, () => {
        if (!controller.signal.aborted) setFacets(null);
      });
    }, FACETS_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, revision]);
  return facets;
}

/** The count of one value of a facet, and whether it is exact. */
export function facetCount(
  facets: Facets | null,
  facet: "status" | "priority" | "assignee" | "tag",
  value: string,
): { count: number; exact: boolean } | null {
  if (!facets) return null;
  const bucket = facets[facet].buckets.find((item) => item.value === value);
  return { count: bucket?.count ?? 0, exact: facets[facet].exact };
}

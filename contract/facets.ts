// GET /tasks/facets (issue 16): how many tasks of the current filter have each status, priority,
// assignee (top 20) and tag (top 20), for the filter chips. Each facet says whether its counts are
// exact (kept totals, or counted) or estimated (sampled or from the planner's statistics).
import * as z from "zod";
import { listFilterFields, Total } from "./schemas";

/** The list query's filters (no sort, paging or position). */
export const FacetsQuery = z.strictObject(listFilterFields).meta({ id: "FacetsQuery" });
export type FacetsQuery = z.output<typeof FacetsQuery>;

export const FacetBucket = z.object({
  /** The status, priority, assignee or tag; null is "unassigned" in the assignee facet. */
  value: z.string().nullable(),
  count: z.number().int(),
});
export type FacetBucket = z.infer<typeof FacetBucket>;

export const Facet = z
  .object({
    /** Most frequent first (status and priority list every value, in their own order). */
    buckets: z.array(FacetBucket),
    exact: z.boolean(),
  })
  .meta({ id: "Facet" });
export type Facet = z.infer<typeof Facet>;

export const Facets = z
  .object({
    total: Total,
    status: Facet,
    priority: Facet,
    assignee: Facet,
    tag: Facet,
  })
  .meta({ id: "Facets" });
export type Facets = z.infer<typeof Facets>;

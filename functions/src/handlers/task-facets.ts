import { FacetsQuery } from "#contract/facets";
import { pickFilters } from "#contract/schemas";
import { httpHandler, json, parseInput } from "../platform/http";
import { taskFacets } from "../tasks/facets";

/** GET /tasks/facets?<list filters>: counts for the filter chips, each facet exact or estimated. */
export const handler = httpHandler(
  async (event) => {
    const filters = pickFilters(parseInput(FacetsQuery, event.queryStringParameters ?? {}));
    return json(200, await taskFacets(filters));
  },
  { role: "viewer" },
);

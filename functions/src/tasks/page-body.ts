// Response bodies assembled from the JSON text PostgreSQL (or the cache) already produced, so a
// page of tasks is concatenated, never parsed and re-serialised.
import type { ListResult } from "./repository";

export function renderPage(page: ListResult): string {
  return `{"items":[${page.items.map((item) => item.json).join(",")}],"nextCursor":${JSON.stringify(
    page.nextCursor,
  )},"prevCursor":${JSON.stringify(page.prevCursor)},"total":${JSON.stringify(page.total)},"offset":${JSON.stringify(
    page.offset,
  )}}`;
}

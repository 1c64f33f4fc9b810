import { actorOrThrow, httpHandler, json } from "../platform/http";
import { listViews } from "../views/repository";

/** GET /views: the caller's saved views, by name. */
export const handler = httpHandler(
  async (event) =>
    json(200, { items: await listViews(actorOrThrow(event)) }, { "Cache-Control": "no-store" }),
  { role: "viewer" },
);

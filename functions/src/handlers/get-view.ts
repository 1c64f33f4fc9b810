import { ViewPath } from "#contract/views";
import { actorOrThrow, httpHandler, json, parseInput } from "../platform/http";
import { readView } from "../views/repository";

/** GET /views/{id}: the caller's own view, or a shared one (a link to it opens the same grid). */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ViewPath, event.pathParameters ?? {});
    return json(200, await readView(id, actorOrThrow(event)), { "Cache-Control": "no-store" });
  },
  { role: "viewer" },
);

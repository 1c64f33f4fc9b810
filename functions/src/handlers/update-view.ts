import { UpdateViewInput, ViewPath } from "#contract/views";
import { auditContextOf } from "../audit/context";
import { httpHandler, json, parseInput } from "../platform/http";
import { updateView } from "../views/repository";

/** PATCH /views/{id}: changes a view (its owner, or an admin). */
export const handler = httpHandler(
  async (event, context) => {
    const { id } = parseInput(ViewPath, event.pathParameters ?? {});
    const patch = parseInput(UpdateViewInput, event.body, 422);
    return json(200, await updateView(id, patch, auditContextOf(event, context)));
  },
  { role: "viewer", jsonBody: true },
);

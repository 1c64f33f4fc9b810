import { ViewPath } from "#contract/views";
import { auditContextOf } from "../audit/context";
import { httpHandler, noContent, parseInput } from "../platform/http";
import { deleteView } from "../views/repository";

/** DELETE /views/{id}: deletes a view (its owner, or an admin). */
export const handler = httpHandler(
  async (event, context) => {
    const { id } = parseInput(ViewPath, event.pathParameters ?? {});
    await deleteView(id, auditContextOf(event, context));
    return noContent();
  },
  { role: "viewer" },
);

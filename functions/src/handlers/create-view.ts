import { CreateViewInput } from "#contract/views";
import { auditContextOf } from "../audit/context";
import { httpHandler, json, parseInput } from "../platform/http";
import { createView } from "../views/repository";

/** POST /views: saves a view (a viewer may: views are a person's own settings, not task data). */
export const handler = httpHandler(
  async (event, context) => {
    const input = parseInput(CreateViewInput, event.body, 422);
    const view = await createView(input, auditContextOf(event, context));
    return json(201, view, { Location: `/views/${view.id}` });
  },
  { role: "viewer", jsonBody: true },
);

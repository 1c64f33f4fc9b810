import { ListTasksQuery } from "#contract/schemas";
import { httpHandler, json, parseInput } from "../platform/http";
import { listTaskPage } from "../tasks/service";

/** GET /tasks: keyset pages, position jumps (offset), sorting, filters and search. */
export const handler = httpHandler(
  async (event) => {
    const request = parseInput(ListTasksQuery, event.queryStringParameters ?? {});
    return json(200, await listTaskPage(request));
  },
  { role: "viewer" },
);

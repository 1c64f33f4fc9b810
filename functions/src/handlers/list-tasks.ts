import { httpHandler, json, parseInput } from "../lib/http";
import { ListTasksQuery } from "../lib/schemas";
import { listTaskPage } from "../lib/task-service";

/** GET /tasks: keyset pages, position jumps (offset), sorting, filters and search. */
export const handler = httpHandler(async (event) => {
  const request = parseInput(ListTasksQuery, event.queryStringParameters ?? {});
  return json(200, await listTaskPage(request));
});

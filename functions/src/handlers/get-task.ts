import { etagOf } from "#contract/constants";
import { TaskPath } from "#contract/schemas";
import { httpHandler, json, parseInput } from "../platform/http";
import { noneMatchHits } from "../platform/preconditions";
import { readTask } from "../tasks/service";

/** GET /tasks/{id}: one task with its version as ETag; If-None-Match answers 304. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(TaskPath, event.pathParameters ?? {});
    const task = await readTask(id);
    const etag = etagOf(task.version);
    if (noneMatchHits(event.headers?.["if-none-match"], task.version))
      return { statusCode: 304, headers: { ETag: etag }, body: "" };
    return json(200, task.json, { ETag: etag });
  },
  { role: "viewer", budget: { statementMs: 500 } },
);

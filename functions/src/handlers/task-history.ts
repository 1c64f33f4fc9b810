import { HistoryQuery } from "#contract/audit";
import { TaskPath } from "#contract/schemas";
import { taskExists, taskHistory } from "../audit/repository";
import { NotFoundError } from "../platform/errors";
import { httpHandler, json, parseInput } from "../platform/http";

/** GET /tasks/{id}/history: who changed what, newest first, cursor-paged; outlives the task. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(TaskPath, event.pathParameters ?? {});
    const page = parseInput(HistoryQuery, event.queryStringParameters ?? {});
    const history = await taskHistory(id, page);
    // A task seeded in bulk has no entries of its own (its seed has one summary row); an id that
    // never had a task or an entry is a 404, like GET /tasks/{id}.
    if (history.count === 0 && page.cursor === undefined && !(await taskExists(id))) {
      throw new NotFoundError(`Task ${id} has no history and does not exist`);
    }
    return json(200, history.body);
  },
  { role: "viewer" },
);

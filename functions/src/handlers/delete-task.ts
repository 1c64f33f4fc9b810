import { TaskPath } from "#contract/schemas";
import { auditContextOf } from "../audit/context";
import { expectedVersionFrom, httpHandler, noContent, parseInput } from "../platform/http";
import { deleteTask } from "../tasks/service";

/** DELETE /tasks/{id}: 204; with If-Match only if the task is still at that version. */
export const handler = httpHandler(
  async (event, context) => {
    const { id } = parseInput(TaskPath, event.pathParameters ?? {});
    await deleteTask(id, auditContextOf(event, context), expectedVersionFrom(event));
    return noContent();
  },
  { role: "editor", budget: { lockMs: 1_000 } },
);

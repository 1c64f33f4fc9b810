import { etagOf } from "#contract/constants";
import { TaskPath, UpdateTaskInput } from "#contract/schemas";
import { auditContextOf } from "../audit/context";
import { BadRequestError } from "../platform/errors";
import { expectedVersionFrom, httpHandler, json, parseInput } from "../platform/http";
import { updateTask } from "../tasks/service";

/** PATCH /tasks/{id}: partial update; If-Match or body.version makes a stale write a 412. */
export const handler = httpHandler(
  async (event, context) => {
    const { id } = parseInput(TaskPath, event.pathParameters ?? {});
    const { version, ...patch } = parseInput(UpdateTaskInput, event.body, 422);
    const headerVersion = expectedVersionFrom(event);
    if (headerVersion !== undefined && version !== undefined && headerVersion !== version) {
      throw new BadRequestError("If-Match and body.version disagree");
    }
    const task = await updateTask(id, patch, auditContextOf(event, context), headerVersion ?? version);
    return json(200, task.json, { ETag: etagOf(task.version) });
  },
  { role: "editor", jsonBody: true, budget: { lockMs: 1_000 } },
);

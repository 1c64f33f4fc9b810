import { etagOf } from "#contract/constants";
import { CreateTaskHeaders, CreateTaskInput } from "#contract/schemas";
import { auditContextOf } from "../audit/context";
import { httpHandler, json, parseInput } from "../platform/http";
import { createTask } from "../tasks/service";

/** POST /tasks: 201 with Location; a repeated Idempotency-Key replays the first result. */
export const handler = httpHandler(
  async (event, context) => {
    const input = parseInput(CreateTaskInput, event.body, 422);
    const { "idempotency-key": idempotencyKey } = parseInput(CreateTaskHeaders, event.headers ?? {});
    const task = await createTask(input, auditContextOf(event, context), idempotencyKey);
    return json(201, task.json, {
      Location: `/tasks/${task.id}`,
      ETag: etagOf(task.version),
      ...(task.replayed ? { "Idempotent-Replayed": "true" } : {}),
    });
  },
  { role: "editor", jsonBody: true, budget: { lockMs: 1_000 } },
);

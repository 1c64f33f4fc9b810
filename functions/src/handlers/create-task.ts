import * as z from "zod";
import { auditContextOf } from "../audit/context";
import { httpHandler, json, parseInput } from "../platform/http";
import { etagOf } from "../tasks/page-body";
import { CreateTaskInput } from "../tasks/schemas";
import { createTask } from "../tasks/service";

const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, "must be 1-200 visible ASCII characters")
  .optional();

/** POST /tasks: 201 with Location; a repeated Idempotency-Key replays the first result. */
export const handler = httpHandler(
  async (event, context) => {
    const input = parseInput(CreateTaskInput, event.body, 422);
    const idempotencyKey = parseInput(IdempotencyKey, event.headers?.["idempotency-key"]);
    const task = await createTask(input, auditContextOf(event, context), idempotencyKey);
    return json(201, task.json, {
      Location: `/tasks/${task.id}`,
      ETag: etagOf(task.version),
      ...(task.replayed ? { "Idempotent-Replayed": "true" } : {}),
    });
  },
  { role: "editor", jsonBody: true, budget: { lockMs: 1_000 } },
);

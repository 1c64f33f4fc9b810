import { httpHandler, json } from "../lib/http";
import { statsBody } from "../lib/task-service";

/** GET /tasks/stats: exact counts by status and priority (trigger-kept totals), cached per generation. */
export const handler = httpHandler(async () => json(200, await statsBody()));

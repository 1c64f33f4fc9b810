import { httpHandler, json } from "../platform/http";
import { statsBody } from "../tasks/service";

/** GET /tasks/stats: exact counts by status and priority (trigger-kept totals), cached per generation. */
export const handler = httpHandler(async () => json(200, await statsBody()));

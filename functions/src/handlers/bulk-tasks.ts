import { BulkRequest } from "#contract/jobs";
import { auditContextOf } from "../audit/context";
import { startBulk } from "../jobs/service";
import { httpHandler, json, parseInput } from "../platform/http";

/**
 * POST /tasks/bulk: changes or deletes every selected task as a background job (202 with the job).
 * Editor, as for one task's PATCH and DELETE; the job's audit summary names the caller.
 */
export const handler = httpHandler(
  async (event, context) => {
    const request = parseInput(BulkRequest, event.body, 422);
    return json(202, { job: await startBulk(request, auditContextOf(event, context)) });
  },
  { role: "editor", jsonBody: true },
);

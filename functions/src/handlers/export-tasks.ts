import { ExportRequest } from "#contract/jobs";
import { auditContextOf } from "../audit/context";
import { startExport } from "../jobs/service";
import { httpHandler, json, parseInput } from "../platform/http";

/** POST /tasks/export: writes every task of a view to a file as a job; GET /jobs/{id}/download serves it. */
export const handler = httpHandler(
  async (event, context) => {
    const request = parseInput(ExportRequest, event.body, 422);
    return json(202, { job: await startExport(request, auditContextOf(event, context)) });
  },
  { role: "viewer", jsonBody: true },
);

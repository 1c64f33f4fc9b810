import { JobPath } from "#contract/jobs";
import { jobFor } from "../jobs/service";
import { actorOrThrow, httpHandler, json, parseInput } from "../platform/http";

/** GET /jobs/{id}: a job's state and progress, for its owner or an admin. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(JobPath, event.pathParameters ?? {});
    const row = await jobFor(id, actorOrThrow(event));
    return json(200, { job: row.job }, { "Cache-Control": "no-store" });
  },
  { role: "viewer" },
);

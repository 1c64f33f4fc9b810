import { JobPath } from "#contract/jobs";
import { cancel } from "../jobs/service";
import { actorOrThrow, httpHandler, json, parseInput } from "../platform/http";

/** DELETE /jobs/{id}: cancels a job (its owner or an admin); committed chunks stay, no further one runs. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(JobPath, event.pathParameters ?? {});
    return json(200, { job: await cancel(id, actorOrThrow(event)) });
  },
  { role: "viewer", budget: { lockMs: 2_000 } },
);

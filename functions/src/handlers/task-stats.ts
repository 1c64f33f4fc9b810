import { actorOf, httpHandler, json } from "../platform/http";
import { roleAtLeast } from "../platform/roles";
import { statsBody } from "../tasks/service";

/**
 * GET /tasks/stats: exact counts (trigger-kept totals), cached per generation. Viewers and editors
 * get the total; the breakdown by status and priority is an admin's view.
 */
export const handler = httpHandler(
  async (event) => {
    const body = await statsBody();
    const actor = actorOf(event);
    if (actor && roleAtLeast(actor.role, "admin")) return json(200, body);
    const { total } = JSON.parse(body) as { total: number };
    return json(200, { total });
  },
  { role: "viewer" },
);

import { readCounters } from "../live/feed";
import { httpHandler, json } from "../platform/http";

/**
 * GET /tasks/activity: the live counters (created, updated, deleted; totals and by status). Without
 * Redis they do not exist: the shared client's RedisUnavailableError answers 503 at once.
 */
export const handler = httpHandler(
  async () => {
    const counters = await readCounters({ reconcile: true });
    return json(200, counters, { "Cache-Control": "no-store" });
  },
  { role: "viewer" },
);

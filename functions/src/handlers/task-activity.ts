import { readCounters } from "../live/feed";
import { liveEnabled } from "../live/store";
import { ServiceUnavailableError } from "../platform/errors";
import { httpHandler, json } from "../platform/http";

/** GET /tasks/activity: the live counters (created, updated, deleted; totals and by status). */
export const handler = httpHandler(
  async () => {
    if (!liveEnabled()) throw new ServiceUnavailableError("Activity counters need Redis");
    const counters = await readCounters({ reconcile: true }).catch((error: unknown) => {
      if (error instanceof Error && /redis|connect|timeout/i.test(error.message)) {
        throw new ServiceUnavailableError("Activity counters need Redis, which is unavailable");
      }
      throw error;
    });
    return json(200, counters, { "Cache-Control": "no-store" });
  },
  { role: "viewer" },
);

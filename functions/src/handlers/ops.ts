import { opsSnapshot } from "../ops/snapshot";
import { httpHandler, json } from "../platform/http";

/** GET /ops (admin): the live figures of the last 15 minutes, the cache, the database, the access patterns. */
export const handler = httpHandler(
  async () => json(200, await opsSnapshot(), { "Cache-Control": "no-store" }),
  { role: "admin" },
);

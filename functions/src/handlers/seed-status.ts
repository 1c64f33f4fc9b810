import { httpHandler, json } from "../platform/http";
import { seedProgress } from "../seed/progress";

/**
 * GET /seed/status: `{ seeding: null }`, or how far the running bulk load is (the site shows it
 * while `npm start` loads the demo data). Read-only; the seed function itself has no HTTP route.
 */
export const handler = httpHandler(
  async () => json(200, { seeding: await seedProgress() }, { "Cache-Control": "no-store" }),
  { role: "viewer" },
);

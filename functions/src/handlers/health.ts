import { pingDatabase } from "../platform/db";
import { httpHandler, json } from "../platform/http";
import { cacheHealth } from "../tasks/service";

/**
 * GET /health: 200 "ok"; 200 "degraded" while Redis is away (every endpoint still answers from
 * PostgreSQL); 503 "down" when the database does not answer.
 */
export const handler = httpHandler(async () => {
  const [db, cache] = await Promise.all([pingDatabase(), cacheHealth()]);
  const status = !db.ok ? "down" : cache.state === "degraded" ? "degraded" : "ok";
  return json(db.ok ? 200 : 503, { status, db: { ok: db.ok, ms: db.ms }, cache });
});

import { pingDatabase } from "../platform/db";
import { actorOf, httpHandler, json } from "../platform/http";
import { roleAtLeast } from "../platform/roles";
import { cacheHealth } from "../tasks/service";

/**
 * GET /health: 200 "ok"; 200 "degraded" while Redis is away (every endpoint still answers from
 * PostgreSQL); 503 "down" when the database does not answer. Anyone (a load balancer) gets the
 * status; only an admin gets the details, which name the cache state and timings.
 */
export const handler = httpHandler(
  async (event) => {
    const [db, cache] = await Promise.all([pingDatabase(), cacheHealth()]);
    const status = !db.ok ? "down" : cache.state === "degraded" ? "degraded" : "ok";
    const actor = actorOf(event);
    const details = actor && roleAtLeast(actor.role, "admin");
    return json(db.ok ? 200 : 503, details ? { status, db: { ok: db.ok, ms: db.ms }, cache } : { status });
  },
  { role: "public" },
);

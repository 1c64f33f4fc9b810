import { pingDatabase } from "../platform/db";
import { actorOf, httpHandler, json } from "../platform/http";
import { roleAtLeast } from "../platform/roles";
import { cacheHealth } from "../tasks/service";

/**
 * GET /health: 200 "ok"; 200 "degraded" while Redis is away (every endpoint still answers from
 * PostgreSQL); 503 "down" when the database does not answer and 503 "stuck" when it answers but
 * the task table cannot be read (a session holding an exclusive lock), as every request then fails.
 * Anyone (a load balancer) gets the status; only an admin gets the details (cache state, timings).
 */
export const handler = httpHandler(
  async (event) => {
    const [db, cache] = await Promise.all([pingDatabase(), cacheHealth()]);
    const status = db.state !== "ok" ? db.state : cache.state === "degraded" ? "degraded" : "ok";
    const actor = actorOf(event);
    const details = actor && roleAtLeast(actor.role, "admin");
    return json(
      db.state === "ok" ? 200 : 503,
      details ? { status, db: { ok: db.state === "ok", state: db.state, ms: db.ms }, cache } : { status },
    );
  },
  { role: "public", budget: { statementMs: 500 } },
);

// Every HTTP handler, imported when called: tests that point the configuration somewhere else
// (REDIS_URL at a private or a dead Redis) set the environment first, then load the handlers.
import type { Response } from "./events";

export async function importHandlers() {
  return {
    create: (await import("../../src/handlers/create-task")).handler,
    get: (await import("../../src/handlers/get-task")).handler,
    list: (await import("../../src/handlers/list-tasks")).handler,
    update: (await import("../../src/handlers/update-task")).handler,
    remove: (await import("../../src/handlers/delete-task")).handler,
    stats: (await import("../../src/handlers/task-stats")).handler,
    activity: (await import("../../src/handlers/task-activity")).handler,
    health: (await import("../../src/handlers/health")).handler,
  };
}

/** A response with the time it took, for tests that bound how long a request may wait. */
export async function timed(fn: () => Promise<Response>): Promise<Response & { ms: number }> {
  const started = performance.now();
  const response = await fn();
  return { ...response, ms: performance.now() - started };
}

import { httpHandler, json } from "../platform/http";

/** GET /ping: no I/O at all; the benchmark's ceiling for this runtime and middleware stack. */
export const handler = httpHandler(async () => json(200, '{"ok":true}'), { role: "public" });

// The benchmark's floor: what a user might write instead of this project, a plain node:http + pg
// server over the same database, with no runtime, middleware, sign-in, rate limit, cache or audit.
// It answers the same JSON (PostgreSQL builds it with the same expression) for the paired scenarios
// of scripts/lib/bench-scenarios.ts, so `npm run bench` can show ours next to it in one run.
// Run by the bench as its own process (`tsx scripts/bench-floor.ts`), so autocannon in the bench's
// process does not share an event loop with it. FLOOR_PORT (0: any free port, printed on stdout).
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { LIVE, TASK_JSON } from "../functions/src/tasks/query";

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  // The same pool size the in-process stack gives a function (serverless.yml, pgPoolMax).
  max: Number(process.env.PG_POOL_MAX ?? 10),
});

const FIRST_PAGE = `select ${TASK_JSON} as json from tasks t where ${LIVE}
  order by t.created_at desc, t.id desc limit $1`;
const TITLE_PAGE = `select ${TASK_JSON} as json from tasks t where ${LIVE} and (t.title, t.id) > ($1, $2)
  order by t.title, t.id limit $3`;
const BY_ID = `select ${TASK_JSON} as json from tasks t where t.id = $1 and ${LIVE}`;
const CREATE = `insert into tasks as t (title, priority, tags)
  values ($1, array_position(array['low','medium','high','urgent'], $2::text) - 1, $3::text[])
  returning ${TASK_JSON} as json`;

const page = (rows: { json: string }[]) => `{"items":[${rows.map((row) => row.json).join(",")}]}`;

function send(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of request) body += chunk;
  return body;
}

async function answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://floor");
  const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 50) || 50, 1), 200);
  if (url.pathname === "/ping") return send(response, 200, "{}");
  if (url.pathname === "/tasks" && request.method === "POST") {
    const input = JSON.parse(await readBody(request)) as {
      title: string;
      priority?: string;
      tags?: string[];
    };
    const { rows } = await pool.query(CREATE, [input.title, input.priority ?? "medium", input.tags ?? []]);
    return send(response, 201, rows[0].json);
  }
  if (url.pathname === "/tasks") {
    const title = url.searchParams.get("afterTitle");
    const { rows } =
      title === null
        ? await pool.query(FIRST_PAGE, [limit])
        : await pool.query(TITLE_PAGE, [title, url.searchParams.get("afterId"), limit]);
    return send(response, 200, page(rows));
  }
  const id = /^\/tasks\/(\d{1,18})$/.exec(url.pathname)?.[1];
  if (id) {
    const { rows } = await pool.query(BY_ID, [id]);
    return rows[0] ? send(response, 200, rows[0].json) : send(response, 404, '{"error":"not found"}');
  }
  send(response, 404, '{"error":"not found"}');
}

const server = http.createServer((request, response) => {
  answer(request, response).catch((error: unknown) => {
    process.stderr.write(`floor: ${error instanceof Error ? error.message : String(error)}\n`);
    send(response, 500, '{"error":"internal"}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.FLOOR_PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`floor listening ${(server.address() as AddressInfo).port}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    pool.end().finally(() => process.exit(0));
  });
}

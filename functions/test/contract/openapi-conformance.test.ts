// Real responses against the published contract: every route is called through serverless-offline
// over HTTP, in every outcome the stack can produce on demand, and each response's status, headers
// and body are checked against the OpenAPI document the API itself serves at /openapi.json.

import { randomUUID } from "node:crypto";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { MAX_IMPORT_BYTES } from "#contract/constants";
import { uniqueMarker } from "../support/factories";
import { authHeaders, withAuth } from "../support/tokens";

const api = inject("apiUrl");

type Schema = Record<string, unknown>;
interface HeaderObject {
  required?: boolean;
  schema?: Schema;
}
interface ResponseObject {
  headers?: Record<string, HeaderObject>;
  content?: Record<string, { schema: Schema }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components?: Record<string, unknown>;
}

let document: OpenApiDocument;
const ajv = new Ajv2020({ strict: false, allErrors: true });
/** "GET /tasks/{id} 304" for every response checked, to prove every documented one was reached. */
const seen = new Set<string>();

beforeAll(async () => {
  document = (await (await fetch(`${api}/openapi.json`, withAuth())).json()) as OpenApiDocument;
  ajv.addSchema({ $id: "openapi", components: document.components ?? {} });
});

/** A schema whose $refs point into the document's components. */
const resolvable = (schema: Schema): Schema =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as Schema;

function validate(schema: Schema, value: unknown, what: string): void {
  const check = ajv.compile(resolvable(schema));
  if (!check(value)) throw new Error(`${what} does not match the document: ${ajv.errorsText(check.errors)}`);
}

/** Calls the API and checks the answer against the document's entry for `route` ("PATCH /tasks/{id}"). */
async function call(
  route: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; anonymous?: boolean } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const [method = "GET", template = ""] = route.split(" ");
  const { anonymous, ...request } = init;
  // As an admin, who gets every documented field (auth-matrix.test.ts covers the other callers).
  const response = await fetch(
    `${api}${path}`,
    anonymous ? { ...request, method } : withAuth({ ...request, method }),
  );
  const text = await response.text();
  const operation = document.paths[template]?.[method.toLowerCase()];
  expect(operation, `${route} is documented`).toBeDefined();
  const documented = operation?.responses[String(response.status)];
  expect(documented, `${route} ${response.status} is documented (body: ${text.slice(0, 200)})`).toBeDefined();
  seen.add(`${route} ${response.status}`);

  for (const [name, header] of Object.entries(documented?.headers ?? {})) {
    const value = response.headers.get(name);
    if (value === null) {
      expect(header.required ?? false, `${route} ${response.status} sends the required header ${name}`).toBe(
        false,
      );
      continue;
    }
    if (header.schema) validate(header.schema, value, `${route} ${response.status} header ${name}`);
  }
  const content = documented?.content?.["application/json"];
  let body: unknown;
  if (content) {
    expect(response.headers.get("content-type"), `${route} ${response.status} is JSON`).toMatch(
      /^application\/json/,
    );
    body = JSON.parse(text);
    validate(content.schema, body, `${route} ${response.status} body`);
  } else if (documented?.content) {
    // A file (an export's download): one of the documented media types.
    const type = response.headers.get("content-type")?.split(";")[0] ?? "";
    expect(Object.keys(documented.content), `${route} ${response.status} media type`).toContain(type);
    body = text;
  } else {
    expect(text, `${route} ${response.status} has no body`).toBe("");
  }
  return { status: response.status, headers: response.headers, body };
}

/** Polls until `check` answers (a job finishing in the worker the API woke), for at most 20 s. */
async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("responses against the OpenAPI document", () => {
  let id = "";

  it("when every task route is used as a client would, then each answer matches the document", async () => {
    const title = `Conformance ${uniqueMarker()}`;
    const key = uniqueMarker("idem");
    const created = await call("POST /tasks", "/tasks", {
      method: "POST",
      ...json({ title }, { "idempotency-key": key }),
    });
    expect(created.status).toBe(201);
    id = (created.body as { id: string }).id;
    const replayed = await call("POST /tasks", "/tasks", { ...json({ title }, { "idempotency-key": key }) });
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect((replayed.body as { id: string }).id).toBe(id);
    expect(
      (await call("POST /tasks", "/tasks", json({ title: "other" }, { "idempotency-key": key }))).status,
    ).toBe(409);
    expect(
      (await call("POST /tasks", "/tasks", json({ title }, { "idempotency-key": "has spaces" }))).status,
    ).toBe(400);
    expect((await call("POST /tasks", "/tasks", json({ title: " " }))).status).toBe(422);
    expect(
      (await call("POST /tasks", "/tasks", { headers: { "content-type": "text/plain" }, body: "hello" }))
        .status,
    ).toBe(415);
    expect(
      (await call("POST /tasks", "/tasks", json({ title: "x", description: "d".repeat(70_000) }))).status,
    ).toBe(413);

    const read = await call("GET /tasks/{id}", `/tasks/${id}`);
    expect(read.status).toBe(200);
    const etag = read.headers.get("etag") ?? "";
    expect(
      (await call("GET /tasks/{id}", `/tasks/${id}`, { headers: { "if-none-match": etag } })).status,
    ).toBe(304);
    expect((await call("GET /tasks/{id}", "/tasks/abc")).status).toBe(400);
    expect((await call("GET /tasks/{id}", "/tasks/999999999999")).status).toBe(404);

    const stale = await call(
      "PATCH /tasks/{id}",
      `/tasks/${id}`,
      json({ status: "done" }, { "if-match": '"9"' }),
    );
    expect(stale.status).toBe(412);
    expect(stale.headers.get("etag")).toBe(etag);
    expect((await call("PATCH /tasks/{id}", `/tasks/${id}`, json({ status: "nope" }))).status).toBe(422);
    expect(
      (await call("PATCH /tasks/{id}", `/tasks/${id}`, json({ status: "done" }, { "if-match": "v1" })))
        .status,
    ).toBe(400);
    expect((await call("PATCH /tasks/{id}", "/tasks/999999999999", json({ status: "done" }))).status).toBe(
      404,
    );
    expect(
      (
        await call("PATCH /tasks/{id}", `/tasks/${id}`, {
          headers: { "content-type": "text/plain" },
          body: "x",
        })
      ).status,
    ).toBe(415);
    expect(
      (await call("PATCH /tasks/{id}", `/tasks/${id}`, json({ description: "d".repeat(70_000) }))).status,
    ).toBe(413);
    expect(
      (await call("PATCH /tasks/{id}", `/tasks/${id}`, json({ status: "done" }, { "if-match": etag })))
        .status,
    ).toBe(200);

    const listed = await call("GET /tasks", `/tasks?q=${encodeURIComponent(title)}&limit=5`);
    expect((listed.body as { items: unknown[] }).items).toHaveLength(1);
    expect((await call("GET /tasks", "/tasks?limit=0")).status).toBe(400);
    expect((await call("GET /tasks/stats", "/tasks/stats")).status).toBe(200);
    expect((await call("GET /tasks/activity", "/tasks/activity")).status).toBe(200);

    expect(
      (await call("DELETE /tasks/{id}", `/tasks/${id}`, { headers: { "if-match": '"1"' } })).status,
    ).toBe(412);
    expect((await call("DELETE /tasks/{id}", "/tasks/0")).status).toBe(400);
    expect((await call("DELETE /tasks/{id}", `/tasks/${id}`)).status).toBe(204);
    expect((await call("DELETE /tasks/{id}", `/tasks/${id}`)).status).toBe(404);

    // The audit trail outlives the task.
    expect((await call("GET /tasks/{id}/history", `/tasks/${id}/history?limit=5`)).status).toBe(200);
    expect((await call("GET /tasks/{id}/history", `/tasks/${id}/history?limit=0`)).status).toBe(400);
    expect((await call("GET /audit", `/audit?limit=5&taskId=${id}`)).status).toBe(200);
    expect((await call("GET /audit", "/audit?since=yesterday")).status).toBe(400);
  });

  it("when the job, facet and view routes are used as a client would, then each answer matches the document", async () => {
    const as = (
      role: "viewer" | "editor",
      init: { headers?: Record<string, string>; body?: string } = {},
    ) => ({
      ...init,
      headers: { ...authHeaders(role), ...init.headers },
    });
    const marker = uniqueMarker("conf");
    await call("POST /tasks", "/tasks", json({ title: `${marker} one`, tags: [marker] }));

    // Bulk: 202, then the worker (woken through the Invoke API) finishes it.
    const bulk = await call(
      "POST /tasks/bulk",
      "/tasks/bulk",
      json({ selection: { filter: { tag: marker } }, action: { set: { status: "done" } } }),
    );
    expect(bulk.status).toBe(202);
    const jobId = (bulk.body as { job: { id: string } }).job.id;
    const finished = await until(async () => {
      const answer = await call("GET /jobs/{id}", `/jobs/${jobId}`);
      return (answer.body as { job: { state: string } }).job.state === "completed" ? answer : undefined;
    });
    expect((finished.body as { job: { done: number } }).job.done).toBe(1);
    expect((await call("GET /jobs/{id}", "/jobs/not-a-uuid")).status).toBe(400);
    expect((await call("GET /jobs/{id}", `/jobs/${randomUUID()}`)).status).toBe(404);
    expect((await call("GET /jobs/{id}", `/jobs/${jobId}`, as("viewer"))).status).toBe(403);
    expect((await call("DELETE /jobs/{id}", `/jobs/${jobId}`)).status).toBe(200);
    expect((await call("DELETE /jobs/{id}", "/jobs/x")).status).toBe(400);
    expect((await call("DELETE /jobs/{id}", `/jobs/${randomUUID()}`)).status).toBe(404);
    expect((await call("DELETE /jobs/{id}", `/jobs/${jobId}`, as("viewer"))).status).toBe(403);
    expect((await call("POST /tasks/bulk", "/tasks/bulk", json({ selection: {}, action: {} }))).status).toBe(
      422,
    );
    expect(
      (
        await call("POST /tasks/bulk", "/tasks/bulk", {
          headers: { "content-type": "application/json" },
          body: "{",
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call("POST /tasks/bulk", "/tasks/bulk", {
          headers: { "content-type": "text/plain" },
          body: "x",
        })
      ).status,
    ).toBe(415);
    expect((await call("POST /tasks/bulk", "/tasks/bulk", json({ pad: "x".repeat(70_000) }))).status).toBe(
      413,
    );

    // Export and download.
    const exported = await call(
      "POST /tasks/export",
      "/tasks/export",
      json({ filter: { tag: marker }, format: "csv" }),
    );
    expect(exported.status).toBe(202);
    const exportId = (exported.body as { job: { id: string } }).job.id;
    expect((await call("GET /jobs/{id}/download", `/jobs/${randomUUID()}/download`)).status).toBe(404);
    expect((await call("GET /jobs/{id}/download", `/jobs/${jobId}/download`)).status).toBe(409);
    expect((await call("GET /jobs/{id}/download", "/jobs/x/download")).status).toBe(400);
    await until(async () => {
      const answer = await call("GET /jobs/{id}", `/jobs/${exportId}`);
      return (answer.body as { job: { state: string } }).job.state === "completed" ? answer : undefined;
    });
    const file = await call("GET /jobs/{id}/download", `/jobs/${exportId}/download`);
    expect(file.status).toBe(200);
    expect(String(file.body)).toContain(`${marker} one`);
    expect((await call("GET /jobs/{id}/download", `/jobs/${exportId}/download`, as("viewer"))).status).toBe(
      403,
    );
    expect((await call("POST /tasks/export", "/tasks/export", json({ format: "xlsx" }))).status).toBe(422);
    expect(
      (
        await call("POST /tasks/export", "/tasks/export", {
          headers: { "content-type": "application/json" },
          body: "[",
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call("POST /tasks/export", "/tasks/export", {
          headers: { "content-type": "text/plain" },
          body: "x",
        })
      ).status,
    ).toBe(415);
    expect(
      (await call("POST /tasks/export", "/tasks/export", json({ pad: "x".repeat(70_000) }))).status,
    ).toBe(413);

    // Import.
    const csv = (body: string, type = "text/csv") => ({ headers: { "content-type": type }, body });
    expect(
      (
        await call(
          "POST /tasks/import",
          "/tasks/import",
          csv(`title,tags\n${marker} two,"[""${marker}""]"\n`),
        )
      ).status,
    ).toBe(202);
    expect((await call("POST /tasks/import", "/tasks/import", csv("title,status\nx,someday\n"))).status).toBe(
      422,
    );
    expect(
      (await call("POST /tasks/import", "/tasks/import", csv("title\nx\n", "application/json"))).status,
    ).toBe(415);
    expect(
      (await call("POST /tasks/import", "/tasks/import", csv("title\nx".padEnd(MAX_IMPORT_BYTES + 1, "x"))))
        .status,
    ).toBe(413);
    // Facets.
    const facets = await call("GET /tasks/facets", `/tasks/facets?tag=${marker}`);
    expect((facets.body as { total: { value: number } }).total.value).toBeGreaterThanOrEqual(1);
    expect((await call("GET /tasks/facets", "/tasks/facets?status=someday")).status).toBe(400);

    // Views.
    const created = await call(
      "POST /views",
      "/views",
      json({ name: marker, query: { tag: marker }, columns: [{ key: "title", width: 300 }] }),
    );
    expect(created.status).toBe(201);
    const viewId = (created.body as { id: string }).id;
    expect((await call("POST /views", "/views", json({ name: marker }))).status).toBe(409);
    expect((await call("POST /views", "/views", json({ name: "" }))).status).toBe(422);
    expect(
      (await call("POST /views", "/views", { headers: { "content-type": "application/json" }, body: "{" }))
        .status,
    ).toBe(400);
    expect(
      (await call("POST /views", "/views", { headers: { "content-type": "text/plain" }, body: "x" })).status,
    ).toBe(415);
    expect((await call("POST /views", "/views", json({ name: "x".repeat(70_000) }))).status).toBe(413);
    expect((await call("GET /views", "/views")).status).toBe(200);
    expect((await call("GET /views/{id}", `/views/${viewId}`)).status).toBe(200);
    expect((await call("GET /views/{id}", "/views/x")).status).toBe(400);
    expect((await call("GET /views/{id}", `/views/${randomUUID()}`)).status).toBe(404);
    expect((await call("PATCH /views/{id}", `/views/${viewId}`, json({ shared: true }))).status).toBe(200);
    await call("POST /views", "/views", json({ name: `${marker} 2` }));
    expect((await call("PATCH /views/{id}", `/views/${viewId}`, json({ name: `${marker} 2` }))).status).toBe(
      409,
    );
    expect((await call("PATCH /views/{id}", `/views/${viewId}`, json({}))).status).toBe(422);
    expect((await call("PATCH /views/{id}", "/views/x", json({ shared: true }))).status).toBe(400);
    expect((await call("PATCH /views/{id}", `/views/${randomUUID()}`, json({ shared: true }))).status).toBe(
      404,
    );
    expect(
      (await call("PATCH /views/{id}", `/views/${viewId}`, as("viewer", json({ shared: false })))).status,
    ).toBe(403);
    expect(
      (
        await call("PATCH /views/{id}", `/views/${viewId}`, {
          headers: { "content-type": "text/plain" },
          body: "x",
        })
      ).status,
    ).toBe(415);
    expect(
      (await call("PATCH /views/{id}", `/views/${viewId}`, json({ name: "x".repeat(70_000) }))).status,
    ).toBe(413);
    expect((await call("DELETE /views/{id}", `/views/${viewId}`, as("viewer"))).status).toBe(403);
    expect((await call("DELETE /views/{id}", "/views/x")).status).toBe(400);
    expect((await call("DELETE /views/{id}", `/views/${viewId}`)).status).toBe(204);
    expect((await call("DELETE /views/{id}", `/views/${viewId}`)).status).toBe(404);
  });

  it("when the operational routes are called, then they match the document too", async () => {
    expect((await call("GET /health", "/health")).status).toBe(200);
    expect((await call("GET /ping", "/ping")).status).toBe(200);
    expect((await call("GET /openapi.json", "/openapi.json")).status).toBe(200);
    expect((await call("GET /seed/status", "/seed/status")).status).toBe(200);
    expect((await call("GET /ops", "/ops")).status).toBe(200);
  });

  it("when any route but the public ones is called without a token, then it answers the documented 401", async () => {
    const routes = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => "401" in operation.responses)
        .map(([method, _]) => ({ route: `${method.toUpperCase()} ${path}`, path })),
    );
    expect(routes.length, "routes that need a token").toBeGreaterThan(20);
    for (const { route, path } of routes) {
      // Ids of the right shape, so that only the missing token is wrong.
      const concrete = path.replace(/\{id\}/g, path.startsWith("/tasks") ? "1" : randomUUID());
      const answer = await call(route, concrete, { anonymous: true });
      expect(answer.status, route).toBe(401);
    }
  });

  it("when all of the above ran, then every documented answer was produced for real", () => {
    // Every documented answer was produced for real, except the 503s, which need a service down
    // (database-outage.test.ts and redis-down.test.ts cover those through the same error mapper),
    // and the 429s, which need a limit used up (rate-limit.test.ts, per actor and per address, with
    // the same error mapper and headers).
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, operation]) =>
        Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    const missed = documented.filter(
      (entry) => !entry.endsWith(" 503") && !entry.endsWith(" 429") && !seen.has(entry),
    );
    expect(missed).toEqual([]);
  });
});

// Every HTTP route x every kind of caller, over HTTP against serverless-offline: no token, each
// kind of bad token, and each role. The route list is read from serverless.yml, so a route added
// without a row here fails the first test.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import type { Role } from "../../src/platform/roles";
import { authHeaders, badCredentials } from "../support/tokens";

const api = inject("apiUrl");

type Needed = Role | "public";
interface RouteCase {
  method: string;
  path: string;
  needed: Needed;
  /** What an allowed caller gets (no data changes: writes aim at a missing task or an invalid body). */
  allowed: number;
  body?: string;
}

const MISSING = "987654321098";
const routes: RouteCase[] = [
  { method: "GET", path: "/tasks?limit=1", needed: "viewer", allowed: 200 },
  { method: "GET", path: `/tasks/${MISSING}`, needed: "viewer", allowed: 404 },
  { method: "POST", path: "/tasks", needed: "editor", allowed: 422, body: "{}" },
  { method: "PATCH", path: `/tasks/${MISSING}`, needed: "editor", allowed: 404, body: '{"status":"done"}' },
  { method: "DELETE", path: `/tasks/${MISSING}`, needed: "editor", allowed: 404 },
  { method: "GET", path: "/tasks/stats", needed: "viewer", allowed: 200 },
  { method: "GET", path: "/tasks/activity", needed: "viewer", allowed: 200 },
  { method: "GET", path: `/tasks/${MISSING}/history`, needed: "viewer", allowed: 404 },
  { method: "GET", path: "/audit?limit=1", needed: "admin", allowed: 200 },
  { method: "GET", path: "/ops", needed: "admin", allowed: 200 },
  { method: "GET", path: "/seed/status", needed: "viewer", allowed: 200 },
  { method: "GET", path: "/openapi.json", needed: "viewer", allowed: 200 },
  { method: "GET", path: "/health", needed: "public", allowed: 200 },
  { method: "GET", path: "/ping", needed: "public", allowed: 200 },
  // Issue 16: jobs, facets, views (job and view ids are UUIDs: the missing id is a 400).
  { method: "POST", path: "/tasks/bulk", needed: "editor", allowed: 422, body: "{}" },
  { method: "POST", path: "/tasks/export", needed: "viewer", allowed: 422, body: '{"format":"xlsx"}' },
  { method: "POST", path: "/tasks/import", needed: "editor", allowed: 415, body: '{"title":"x"}' },
  { method: "GET", path: "/tasks/facets?status=todo", needed: "viewer", allowed: 200 },
  { method: "GET", path: `/jobs/${MISSING}`, needed: "viewer", allowed: 400 },
  { method: "DELETE", path: `/jobs/${MISSING}`, needed: "viewer", allowed: 400 },
  { method: "GET", path: `/jobs/${MISSING}/download`, needed: "viewer", allowed: 400 },
  { method: "GET", path: "/views", needed: "viewer", allowed: 200 },
  { method: "POST", path: "/views", needed: "viewer", allowed: 422, body: "{}" },
  { method: "GET", path: `/views/${MISSING}`, needed: "viewer", allowed: 400 },
  { method: "PATCH", path: `/views/${MISSING}`, needed: "viewer", allowed: 400, body: '{"shared":true}' },
  { method: "DELETE", path: `/views/${MISSING}`, needed: "viewer", allowed: 400 },
];

const ROLE_ORDER: Role[] = ["viewer", "editor", "admin"];
const mayAct = (role: Role, needed: Needed) =>
  needed === "public" || ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(needed);

function call(route: RouteCase, headers: Record<string, string>) {
  return fetch(`${api}${route.path}`, {
    method: route.method,
    headers: { ...headers, ...(route.body ? { "content-type": "application/json" } : {}) },
    body: route.body,
  });
}

const label = (route: RouteCase) => `${route.method} ${route.path.split("?")[0]}`;

describe("the route x role matrix", () => {
  it("when serverless.yml declares HTTP routes, then each one has a row in this matrix", () => {
    const config = parse(readFileSync(path.resolve(__dirname, "../../../serverless.yml"), "utf8")) as {
      functions: Record<string, { events?: { httpApi?: string }[] }>;
    };
    const declared = Object.values(config.functions)
      .flatMap((fn) => fn.events ?? [])
      .flatMap((event) => (typeof event.httpApi === "string" ? [event.httpApi] : []))
      .map((key) => key.replace("{id}", MISSING))
      .sort();
    expect(declared).toEqual(routes.map((route) => `${route.method} ${route.path.split("?")[0]}`).sort());
  });

  it.each(routes)(
    "when $method $path is called without a token, then only a public route answers",
    async (route) => {
      const response = await call(route, {});
      if (route.needed === "public") {
        expect(response.status).toBe(route.allowed);
        return;
      }
      expect(response.status, label(route)).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="million-tasks"');
      expect(await response.json()).toEqual({
        error: { code: "unauthorized", message: expect.stringContaining("bearer token") },
      });
    },
  );

  it.each(routes)(
    "when $method $path gets each kind of bad token, then each is a 401 invalid_token",
    async (route) => {
      for (const [kind, authorization] of Object.entries(badCredentials())) {
        const response = await call(route, { authorization });
        expect(response.status, `${label(route)} with ${kind}`).toBe(401);
        const challenge = response.headers.get("www-authenticate") ?? "";
        expect(challenge, kind).toMatch(
          /^Bearer realm="million-tasks", error="invalid_token", error_description="[^"]+"$/,
        );
        const body = await response.json();
        expect(body.error.code, kind).toBe("invalid_token");
        expect(Object.keys(body)).toEqual(["error"]);
      }
    },
  );

  it.each(routes)(
    "when $method $path is called by each role, then roles below $needed get 403",
    async (route) => {
      for (const role of ROLE_ORDER) {
        const response = await call(route, authHeaders(role));
        if (mayAct(role, route.needed)) {
          expect(response.status, `${label(route)} as ${role}`).toBe(route.allowed);
        } else {
          expect(response.status, `${label(route)} as ${role}`).toBe(403);
          expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
          expect(await response.json()).toEqual({
            error: {
              code: "forbidden",
              message: `This needs the ${route.needed} role; test-${role} is a ${role}`,
            },
          });
        }
      }
    },
  );
});

describe("what others see", () => {
  it("when /health is asked anonymously, then it says only the status; an admin gets the details", async () => {
    const anonymous = await (await fetch(`${api}/health`)).json();
    expect(anonymous).toEqual({ status: "ok" });
    const viewer = await (await fetch(`${api}/health`, { headers: authHeaders("editor") })).json();
    expect(viewer).toEqual({ status: "ok" });
    const admin = await (await fetch(`${api}/health`, { headers: authHeaders("admin") })).json();
    expect(admin).toMatchObject({ status: "ok", db: { ok: true }, cache: expect.any(Object) });
  });

  it("when /tasks/stats is read, then a viewer gets the total and only an admin the breakdown", async () => {
    const viewer = await (await fetch(`${api}/tasks/stats`, { headers: authHeaders("viewer") })).json();
    expect(Object.keys(viewer)).toEqual(["total"]);
    const admin = await (await fetch(`${api}/tasks/stats`, { headers: authHeaders("admin") })).json();
    expect(admin).toMatchObject({
      total: viewer.total,
      byStatus: expect.any(Object),
      byPriority: expect.any(Object),
    });
  });

  it("when an unknown route is called, then the 404 is the one error shape and lists no routes", async () => {
    for (const target of [
      "/nope",
      "/tasks/1/nope",
      "/2015-03-31/functions/million-tasks-dev-seed/invocations",
    ]) {
      const response = await fetch(`${api}${target}`, { method: "POST", headers: authHeaders("admin") });
      expect(response.status).toBe(404);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { code: "not_found", message: "No such route" } });
      expect(text).not.toContain("/tasks");
    }
  });

  it("when a page of another origin calls the API, then no answer carries CORS headers for it", async () => {
    const evil = { origin: "https://evil.example", ...authHeaders("admin") };
    const read = await fetch(`${api}/tasks?limit=1`, { headers: evil });
    expect(read.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${api}/tasks`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "DELETE" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});

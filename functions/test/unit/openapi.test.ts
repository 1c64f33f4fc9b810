import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildOpenApiDocument } from "#contract/openapi";

/** Every HTTP route serverless.yml deploys, as "GET /tasks/{id}". */
function deployedRoutes(): string[] {
  const config = parse(readFileSync(new URL("../../../serverless.yml", import.meta.url), "utf8")) as {
    functions: Record<string, { events?: { httpApi?: string }[] }>;
  };
  return Object.values(config.functions).flatMap((fn) =>
    (fn.events ?? []).flatMap((event) => (event.httpApi ? [event.httpApi] : [])),
  );
}

describe("the OpenAPI document", () => {
  const document = buildOpenApiDocument();

  it("when generated, then it documents every HTTP route serverless.yml deploys, and no other", () => {
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(deployedRoutes().sort());
  });

  it("when generated from the zod schemas, then the list route carries the fixed query names", () => {
    const names = (document.paths?.["/tasks"]?.get?.parameters ?? []).flatMap((parameter) =>
      "in" in parameter && parameter.in === "query" ? [parameter.name] : [],
    );
    expect(names.sort()).toEqual(
      [
        "limit",
        "cursor",
        "offset",
        "sort",
        "status",
        "priority",
        "assignee",
        "tag",
        "dueAfter",
        "dueBefore",
        "q",
      ].sort(),
    );
    expect(JSON.stringify(document.components?.schemas?.Task)).toContain("version");
  });

  it("when a handler reads a header, then the document names it with the rule the handler applies", () => {
    const headerNames = (path: string, method: "get" | "post" | "patch" | "delete") =>
      (document.paths?.[path]?.[method]?.parameters ?? []).flatMap((parameter) =>
        "in" in parameter && parameter.in === "header" ? [parameter] : [],
      );
    const idempotency = headerNames("/tasks", "post").find((p) => p.name === "idempotency-key");
    expect(JSON.stringify(idempotency?.schema)).toContain("\\\\x21-\\\\x7e]{1,200}");
    expect(headerNames("/tasks/{id}", "get").map((p) => p.name)).toEqual([
      "if-none-match",
      "x-read-after-lsn",
    ]);
    const afterLsn = headerNames("/tasks", "get").find((p) => p.name === "x-read-after-lsn");
    expect(JSON.stringify(afterLsn?.schema)).toContain("{1,8}\\\\/[0-9A-Fa-f]{1,8}");
    expect(headerNames("/tasks/{id}", "patch").map((p) => p.name)).toEqual(["if-match"]);
    expect(headerNames("/tasks/{id}", "delete").map((p) => p.name)).toEqual(["if-match"]);
  });

  it("when any route answers, then its rate limit headers are documented; reads name the replica's headers, successful writes their WAL position", () => {
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      (["get", "post", "patch", "delete"] as const).flatMap((method) => {
        const operation = item?.[method];
        return operation ? [{ route: `${method.toUpperCase()} ${path}`, method, operation }] : [];
      }),
    );
    expect(operations.length).toBeGreaterThan(25);
    for (const { route, method, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const names = response && "headers" in response ? Object.keys(response.headers ?? {}) : [];
        expect(names, `${route} ${status}`).toEqual(
          expect.arrayContaining(["RateLimit", "RateLimit-Policy", "X-Read-Source"]),
        );
        expect(names.includes("X-Write-LSN"), `${route} ${status} X-Write-LSN`).toBe(
          method !== "get" && status.startsWith("2"),
        );
      }
      const headers = (operation.parameters ?? []).flatMap((p) =>
        "in" in p && p.in === "header" ? [p.name] : [],
      );
      expect(headers.includes("x-read-after-lsn"), `${route} X-Read-After-LSN`).toBe(method === "get");
    }
    const limited = document.paths?.["/tasks"]?.get?.responses?.["429"];
    expect(limited && "headers" in limited ? Object.keys(limited.headers ?? {}) : []).toContain(
      "Retry-After",
    );
  });

  it("when a task is read conditionally, then the 304 is documented with its ETag", () => {
    const notModified = document.paths?.["/tasks/{id}"]?.get?.responses?.["304"];
    expect(notModified && "headers" in notModified ? Object.keys(notModified.headers ?? {}) : []).toContain(
      "ETag",
    );
  });
});

import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../src/platform/openapi";

describe("the OpenAPI document", () => {
  it("when generated from the zod schemas, then it lists every route with the fixed query names", () => {
    const document = buildOpenApiDocument();
    expect(Object.keys(document.paths ?? {})).toEqual([
      "/tasks",
      "/tasks/{id}",
      "/tasks/{id}/history",
      "/audit",
      "/tasks/stats",
      "/seed/status",
      "/health",
    ]);
    const names = (document.paths?.["/tasks"]?.get?.parameters ?? []).map((parameter) =>
      "name" in parameter ? parameter.name : "",
    );
    expect(names).toEqual(
      expect.arrayContaining([
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
      ]),
    );
    expect(JSON.stringify(document.components?.schemas?.Task)).toContain("version");
  });
});

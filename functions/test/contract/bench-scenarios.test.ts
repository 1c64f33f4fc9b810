// The benchmark's write scenarios against the real API: what it creates is what it deletes, so a
// run leaves the seeded table as it found it (a run that deleted seeded rows instead left 10,000
// bench tasks at the head of the default order, which slowed every later run's filtered pages).
import { describe, expect, inject, it } from "vitest";
import { scenarios } from "../../../scripts/lib/bench-scenarios";
import { authHeaders, withAuth } from "../support/tokens";

const api = inject("apiUrl");

describe("the benchmark's write scenarios", () => {
  it("when the create scenario's task is answered by the API, then the delete scenario deletes that task", async () => {
    const all = scenarios({ count: 1_000, deepCursors: ["unused"], deepKeys: [] });
    const create = all.find((scenario) => scenario.name === "create");
    const remove = all.find((scenario) => scenario.name === "delete");
    if (!create || !remove) throw new Error("the bench has create and delete scenarios");

    const request = create.request();
    const response = await fetch(`${api}${request.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...authHeaders("editor") },
      body: request.body,
    });
    const body = await response.text();
    create.onResponse?.(response.status, body);

    const deletion = remove.request();
    expect(deletion.path).toBe(`/tasks/${JSON.parse(body).id}`);
    expect((await fetch(`${api}${deletion.path}`, withAuth({ method: "DELETE" }))).status).toBe(204);
  });
});

// GET /tasks/facets against the real PostgreSQL: counts by status, priority, assignee and tag for
// a filter, each facet under the other filters, exact where the answer is kept or small enough to
// count, and marked estimated otherwise.
import { describe, expect, it } from "vitest";
import { handler as facets } from "../../src/handlers/task-facets";
import { query } from "../../src/platform/db";
import { invoke } from "../support/events";
import { uniqueMarker } from "../support/factories";
import { authHeaders } from "../support/tokens";

interface Facet {
  buckets: { value: string | null; count: number }[];
  exact: boolean;
}

const facetsOf = async (filters: Record<string, string>) => {
  const response = await invoke(facets, {
    path: "/tasks/facets",
    query: filters,
    headers: authHeaders("viewer"),
  });
  expect(response.statusCode).toBe(200);
  return response.json() as {
    total: { value: number; exact: boolean };
    status: Facet;
    priority: Facet;
    assignee: Facet;
    tag: Facet;
  };
};

const countOf = (facet: Facet, value: string | null) =>
  facet.buckets.find((b) => b.value === value)?.count ?? 0;

describe("facets", () => {
  it("when a filter matches a few tasks, then every facet is exact and counts under the other filters", async () => {
    const tag = uniqueMarker("fac");
    // 12 tasks: status cycles todo/in_progress/done, priority by thirds, assignee ada for 5, bob for 3, 4 unassigned.
    await query(
      `insert into tasks (title, status, priority, assignee, tags)
       select 'Facet ' || g, (array['todo','in_progress','done'])[1 + g % 3], (g % 4)::int2,
              case when g <= 5 then 'ada' when g <= 8 then 'bob' end,
              case when g % 2 = 0 then array[$1::text, 'even'] else array[$1::text] end
       from generate_series(1, 12) g`,
      [tag],
    );
    const all = await facetsOf({ tag });
    expect(all.total).toEqual({ value: 12, exact: true });
    expect(all.status.exact && all.priority.exact && all.assignee.exact).toBe(true);
    expect(all.status.buckets).toEqual([
      { value: "todo", count: 4 },
      { value: "in_progress", count: 4 },
      { value: "blocked", count: 0 },
      { value: "done", count: 4 },
    ]);
    expect(all.priority.buckets.map((b) => b.count)).toEqual([3, 3, 3, 3]);
    expect(all.assignee.buckets).toEqual([
      { value: "ada", count: 5 },
      { value: null, count: 4 },
      { value: "bob", count: 3 },
    ]);

    const chosen = await facetsOf({ tag, status: "todo", assignee: "ada" });
    // The status facet ignores the status filter (a chip shows what choosing it gives)...
    expect(countOf(chosen.status, "in_progress")).toBe(2);
    expect(countOf(chosen.status, "todo")).toBe(1);
    // ...and the assignee facet ignores the assignee filter.
    expect(countOf(chosen.assignee, "bob")).toBe(1);
    expect(chosen.total).toEqual({ value: 1, exact: true });
  });

  it("when the filter is only status or priority, then those facets come from the kept totals, exactly", async () => {
    const stats = await query<{ status: string; n: string }>(
      "select status, count(*)::text as n from tasks where expires_at is null or expires_at > now() group by 1",
    );
    const body = await facetsOf({ priority: "low,medium,high,urgent" });
    expect(body.status.exact).toBe(true);
    for (const row of stats.rows) expect(countOf(body.status, row.status)).toBe(Number(row.n));
  });

  it("when the filter is not valid, then it is a 400 naming it", async () => {
    const response = await invoke(facets, {
      path: "/tasks/facets",
      query: { status: "someday" },
      headers: authHeaders("viewer"),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details[0].path).toMatch(/^status/);
    const unknown = await invoke(facets, {
      path: "/tasks/facets",
      query: { sort: "title" },
      headers: authHeaders("viewer"),
    });
    expect(unknown.statusCode).toBe(400);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SORT_KEYS } from "#contract/constants";
import { handler as listTasksHandler } from "../../src/handlers/list-tasks";
import { query } from "../../src/platform/db";
import { LIVE, orderBy } from "../../src/tasks/query";
import { rebuildFences } from "../../src/tasks/upkeep";
import { invoke } from "../support/events";
import { insertTasksSql, makeTask, uniqueMarker } from "../support/factories";

// These tests exercise PostgreSQL's own position machinery and write rows with raw SQL behind the
// API's back, which the cache only learns of through invalidateCaches(); run them uncached.
const cachedRedisUrl = vi.hoisted(() => {
  const previous = process.env.REDIS_URL;
  process.env.REDIS_URL = "";
  return previous;
});
afterAll(() => {
  process.env.REDIS_URL = cachedRedisUrl;
});

async function list(params: Record<string, string>) {
  const response = await invoke(listTasksHandler, { path: "/tasks", query: params });
  return { status: response.statusCode, body: response.json() };
}

const ids = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);

async function expectedIds(sortParam: string, offset: number, limit: number): Promise<string[]> {
  const key = sortParam.replace(/^-/, "") as (typeof SORT_KEYS)[number];
  const direction = sortParam.startsWith("-") ? "desc" : "asc";
  const result = await query<{ id: string }>(
    `select t.id::text as id from tasks t where ${LIVE} order by ${orderBy(key, direction)} offset $1 limit $2`,
    [offset, limit],
  );
  return result.rows.map((row) => row.id);
}

describe("GET /tasks ordering and paging", () => {
  const tag = uniqueMarker("order");
  beforeAll(async () => {
    // 157 rows over 3 distinct values per key: ties everywhere, so only the id tie-breaker keeps pages total.
    await insertTasksSql(157, tag, 3);
  });

  for (const key of SORT_KEYS) {
    for (const sort of [key, `-${key}`]) {
      it(`when paging sort=${sort} forward and back with many equal keys, then every row appears exactly once`, async () => {
        const seen: string[] = [];
        let page = (await list({ tag, sort, limit: "20" })).body;
        const firstPage = ids(page);
        seen.push(...ids(page));
        while (page.nextCursor) {
          page = (await list({ tag, sort, limit: "20", cursor: page.nextCursor })).body;
          seen.push(...ids(page));
        }
        expect(seen).toHaveLength(157);
        expect(new Set(seen).size).toBe(157);

        const backwards: string[] = [...ids(page)];
        while (page.prevCursor) {
          page = (await list({ tag, sort, limit: "20", cursor: page.prevCursor })).body;
          backwards.unshift(...ids(page));
        }
        expect(backwards).toEqual(seen);
        expect(ids(page)).toEqual(firstPage);
      });
    }
  }

  it("when filters combine, then only rows matching all of them are returned and the total is exact", async () => {
    const { body } = await list({ tag, status: "todo,done", priority: "low,high", limit: "200" });
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) {
      expect(["todo", "done"]).toContain(item.status);
      expect(["low", "high"]).toContain(item.priority);
      expect(item.tags).toContain(tag);
    }
    expect(body.total).toEqual({ value: body.items.length, exact: true });
  });

  it("when filtering by due range, then only tasks due inside it are returned", async () => {
    const { body } = await list({
      tag,
      dueAfter: "2030-01-02T00:00:00Z",
      dueBefore: "2030-01-03T00:00:00Z",
      limit: "200",
    });
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) expect(item.dueAt.startsWith("2030-01-02")).toBe(true);
  });
});

describe("GET /tasks search", () => {
  it("when searching for a substring, then matching titles are found case-insensitively", async () => {
    const marker = uniqueMarker("Needle");
    const task = await makeTask({ title: `Find the ${marker} here` });
    const { body } = await list({ q: marker.toLowerCase() });
    expect(ids(body)).toEqual([task.id]);
  });

  it("when the search contains LIKE wildcards or SQL, then they match literally and change nothing", async () => {
    const marker = uniqueMarker("w");
    const literal = await makeTask({ title: `${marker} 100%_done` });
    await makeTask({ title: `${marker} 100xydone` });
    expect(ids((await list({ q: `${marker} 100%_` })).body)).toEqual([literal.id]);
    const injection = await list({ q: "'; delete from tasks; --" });
    expect(injection.status).toBe(200);
    expect(injection.body.items).toEqual([]);
    expect(ids((await list({ q: marker })).body)).toHaveLength(2);
  });

  it("when a search matches more than a page, then its total is an estimate of at least what was seen", async () => {
    const marker = uniqueMarker("Many");
    await Promise.all(Array.from({ length: 12 }, (_, i) => makeTask({ title: `${marker} item ${i}` })));
    const first = (await list({ q: marker, limit: "5" })).body;
    expect(first.items).toHaveLength(5);
    expect(first.total.exact).toBe(false);
    expect(first.total.value).toBeGreaterThanOrEqual(6);
    const whole = (await list({ q: marker, limit: "50" })).body;
    expect(whole.total).toEqual({ value: 12, exact: true });
  });

  it("when nothing matches, then the page is empty with an exact total of 0", async () => {
    const { body } = await list({ q: uniqueMarker("nomatch") });
    expect(body).toMatchObject({ items: [], nextCursor: null, total: { value: 0, exact: true } });
  });
});

describe("GET /tasks search over many rows (probe walks, sized walks, the trigram plan)", () => {
  // 40,000 rows in which one term is common (1 in 40), one sparse (1 in 1,500) and one only among
  // the oldest rows, behind 8,000 newer rows without it: each takes another of the search's paths,
  // and each must answer exactly what the plain SQL ordering answers.
  const marker = uniqueMarker("walk").toLowerCase();
  const terms = { common: `${marker}c`, sparse: `${marker}s`, old: `${marker}o` };

  beforeAll(async () => {
    await query(
      `insert into tasks (title, tags, status, priority, due_at, created_at, updated_at, expires_at)
       select concat_ws(' ', 'Walk', case when g % 40 = 0 then upper($1) end,
                        case when g % 1500 = 7 then $2 end, case when g > 32000 and g % 30 = 0 then $3 end, g),
              array[$4::text],
              (array['todo','in_progress','blocked','done'])[1 + g % 4], (g % 4)::int2,
              case when g % 3 = 0 then null else '2031-01-01'::timestamptz + (g % 97) * interval '1 day' end,
              '2029-01-01'::timestamptz - g * interval '1 second', '2029-01-01'::timestamptz - (g % 777) * interval '1 second',
              case when g % 400 = 0 then now() - interval '1 day' end
       from generate_series(1, 40000) g`,
      [terms.common, terms.sparse, terms.old, marker],
    );
    await query("analyze tasks");
  });
  afterAll(async () => {
    await query("delete from tasks where tags @> array[$1::text]", [marker]);
  });

  async function expectedSearch(
    term: string,
    sortParam: string,
    offset: number,
    limit: number,
    status?: string,
  ) {
    const key = sortParam.replace(/^-/, "") as (typeof SORT_KEYS)[number];
    const direction = sortParam.startsWith("-") ? "desc" : "asc";
    const result = await query<{ id: string }>(
      `select t.id::text as id from tasks t where ${LIVE} and t.title ilike $1
         and ($4::text[] is null or t.status = any($4::text[]))
       order by ${orderBy(key, direction)} offset $2 limit $3`,
      [`%${term}%`, offset, limit, status?.split(",") ?? null],
    );
    return result.rows.map((row) => row.id);
  }

  for (const [name, term] of Object.entries(terms)) {
    for (const sort of ["-createdAt", "title", "-updatedAt", "dueAt"]) {
      it(`when searching a ${name} term sorted by ${sort}, then pages by offset and cursor equal the plain ordering`, async () => {
        for (const [offset, limit] of [
          [0, 7],
          [0, 50],
          [30, 20],
        ] as const) {
          const page = await list({
            q: terms[name as keyof typeof terms],
            sort,
            offset: String(offset),
            limit: String(limit),
          });
          expect(page.status).toBe(200);
          expect(ids(page.body)).toEqual(await expectedSearch(term, sort, offset, limit));
        }
        let page = await list({ q: term, sort, limit: "25", status: "todo,done" });
        for (let depth = 0; depth < 3 && page.body.nextCursor; depth += 1) {
          page = await list({
            q: term,
            sort,
            limit: "25",
            status: "todo,done",
            cursor: page.body.nextCursor,
          });
          expect(ids(page.body)).toEqual(await expectedSearch(term, sort, 25 * (depth + 1), 25, "todo,done"));
        }
      });
    }
  }
});

describe("GET /tasks position access (offset)", () => {
  beforeAll(async () => {
    await insertTasksSql(2_500, uniqueMarker("pos"), 7);
    await rebuildFences();
  });

  it("when jumping to positions of every ordering after fences were built, then rows equal an OFFSET scan", async () => {
    const total = (await list({})).body.total.value as number;
    for (const key of SORT_KEYS) {
      for (const sort of [key, `-${key}`]) {
        for (const offset of [1, 999, 1_000, 1_001, Math.floor(total / 2), total - 3]) {
          const { body } = await list({ sort, offset: String(offset), limit: "5" });
          expect(ids(body), `${sort} at ${offset}`).toEqual(await expectedIds(sort, offset, 5));
          expect(body.offset).toBe(offset);
        }
      }
    }
  });

  it("when tasks are inserted, deleted and expire after the fences were built, then positions stay exact", async () => {
    await insertTasksSql(300, uniqueMarker("late"), 2);
    await query(`delete from tasks where id in (select id from tasks order by id limit 40)`);
    await query(
      `update tasks set expires_at = now() - interval '1 second' where id in (select id from tasks order by id desc limit 25)`,
    );
    await query(
      `update tasks set title = 'Zz moved' where id in (select id from tasks order by id limit 60 offset 100)`,
    );
    const total = (await list({})).body.total.value as number;
    expect(total).toBe(
      Number((await query<{ n: string }>(`select count(*) as n from tasks t where ${LIVE}`)).rows[0]?.n),
    );
    for (const sort of ["-createdAt", "title", "-updatedAt", "dueAt"]) {
      for (const offset of [1, 500, 1_000, 2_001, total - 1]) {
        const { body } = await list({ sort, offset: String(offset), limit: "4" });
        expect(ids(body), `${sort} at ${offset}`).toEqual(await expectedIds(sort, offset, 4));
      }
    }
  });

  it("when the position is past the end, then the page is empty", async () => {
    const { status, body } = await list({ offset: "999999999" });
    expect(status).toBe(200);
    expect(body.items).toEqual([]);
  });

  it("when continuing from a position with nextCursor, then the following rows come next", async () => {
    const first = (await list({ sort: "title", offset: "1200", limit: "3" })).body;
    const next = (await list({ sort: "title", cursor: first.nextCursor, limit: "3" })).body;
    expect([...ids(first), ...ids(next)]).toEqual(await expectedIds("title", 1200, 6));
  });
});

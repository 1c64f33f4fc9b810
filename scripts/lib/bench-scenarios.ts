// The benchmark's scenarios: what each sends, and the target the issue sets for it. Requests that
// must not be answered from a cache vary per request (random cursor, position, filter, term, id),
// so every one is a miss that reaches PostgreSQL; the query cache still stores what it reads.
import type { Request } from "autocannon";
import { SORT_KEYS, TASK_PRIORITIES, TASK_STATUSES } from "#contract/constants";
import { SEED_NOUNS, TITLE_WORDS } from "../../functions/src/seed/data";
import { mintDevToken } from "./dev-keys";

export interface Target {
  /** Minimum req/s as a share of ping's in the same run. */
  minRatio?: number;
  /** Maximum p99 latency, ms. */
  maxP99?: number;
  label: string;
}

export interface Scenario {
  name: string;
  /** What the row measures, for the table's notes. */
  what: string;
  target: Target | null;
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  /** Fixed path, or a function giving each request its own path (and body). */
  request: () => { path: string; body?: string };
  /** Sees each response (status, body). */
  onResponse?: (status: number, body: string) => void;
}

const UNCACHED: Target = { minRatio: 0.5, maxP99: 30, label: ">= 50% of ping, p99 < 30 ms" };
const SEARCH: Target = { maxP99: 30, label: "p99 < 30 ms" };
const CACHED: Target = { minRatio: 0.75, label: ">= 75% of ping" };
const WRITE: Target = { maxP99: 40, label: "p99 < 40 ms" };

const randomInt = (min: number, maxExclusive: number) =>
  min + Math.floor(Math.random() * (maxExclusive - min));
const pickOne = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
const randomSubset = <T>(list: readonly T[]): T[] => {
  const subset = list.filter(() => Math.random() < 0.5);
  return subset.length > 0 ? subset : [pickOne(list)];
};

export interface ScenarioData {
  count: number;
  /** Cursors of rows in the second half of the title ordering (one random limit per request). */
  deepCursors: string[];
}

/**
 * Cursors for the deep-page scenario, taken through the API (so the bench needs no database URL):
 * 300 rows at random positions in the second half of the title ordering.
 */
export async function loadScenarioData(apiUrl: string, count: number): Promise<ScenarioData> {
  const positions = Array.from({ length: 300 }, () =>
    randomInt(Math.floor(count / 2), Math.max(count - 100, 1)),
  );
  const deepCursors: string[] = [];
  for (const position of positions) {
    const response = await fetch(`${apiUrl}/tasks?sort=title&limit=1&offset=${position}`, {
      headers: benchAuthHeaders(),
    });
    const page = (await response.json()) as { nextCursor?: string | null };
    if (page.nextCursor) deepCursors.push(page.nextCursor);
  }
  if (deepCursors.length === 0) throw new Error(`No cursors from ${apiUrl}/tasks: is the table seeded?`);
  return { count, deepCursors };
}

export function scenarios(data: ScenarioData): Scenario[] {
  const { count } = data;
  const position = Math.min(990_000, Math.max(0, count - 100));
  // Deletes take the tasks the create scenario made, then seeded ids downwards from a random point
  // of the top half (so reruns against the same table rarely meet an id already deleted).
  const created: string[] = [];
  let deleteNext = randomInt(Math.floor(count * 0.6), count + 1);
  const noMatch = () =>
    Array.from({ length: 7 }, () => pickOne([..."bcdfghjkmnpqvwxz"])).join("") +
    String(randomInt(0, 1_000_000));
  return [
    {
      name: "ping",
      what: "GET /ping: no I/O, the runtime's ceiling",
      target: null,
      request: () => ({ path: "/ping" }),
    },
    {
      name: "first page, cold",
      what: "default order, a dueBefore beyond every due date unique per request: always a cache miss",
      target: UNCACHED,
      request: () => ({
        path: `/tasks?limit=50&dueBefore=2199-01-01T00:00:00.${String(randomInt(0, 1_000_000)).padStart(6, "0")}Z`,
      }),
    },
    {
      name: "first page, warm",
      what: "GET /tasks?limit=50, the same page again and again",
      target: CACHED,
      request: () => ({ path: "/tasks?limit=50" }),
    },
    {
      name: "deep keyset page",
      what: "sort=title, cursor at one of 300 random rows of the second half, limit 20-70 (uncached)",
      target: UNCACHED,
      request: () => ({
        path: `/tasks?limit=${randomInt(20, 71)}&sort=title&cursor=${pickOne(data.deepCursors)}`,
      }),
    },
    {
      name: `position jump ${position.toLocaleString("en-US")}`,
      what: `GET /tasks?offset=${position}&limit=50 (default order)`,
      target: UNCACHED,
      request: () => ({ path: `/tasks?offset=${position}&limit=50` }),
    },
    {
      name: "position jump, random",
      what: "sort=-updatedAt, offset random in the last 2% of the table (uncached)",
      target: UNCACHED,
      request: () => ({
        path: `/tasks?sort=-updatedAt&limit=50&offset=${randomInt(Math.floor(count * 0.98), Math.max(count - 50, 1))}`,
      }),
    },
    {
      name: "filter + sort",
      what: "random status and priority subsets, random sort, limit 20-70 (uncached)",
      target: UNCACHED,
      request: () => {
        const sort = pickOne(SORT_KEYS);
        return {
          path: `/tasks?limit=${randomInt(20, 71)}&status=${randomSubset(TASK_STATUSES).join(",")}&priority=${randomSubset(
            TASK_PRIORITIES,
          ).join(",")}&sort=${Math.random() < 0.5 ? "-" : ""}${sort}`,
        };
      },
    },
    {
      name: "search, hit",
      what: "q = a random title word or phrase (each in ~0.6-6% of titles), limit 20-70, offset 0-29 (uncached: ~360,000 combinations)",
      target: SEARCH,
      request: () => ({
        path: `/tasks?limit=${randomInt(20, 71)}&offset=${randomInt(0, 30)}&q=${encodeURIComponent(pickOne(Math.random() < 0.5 ? SEED_NOUNS : TITLE_WORDS))}`,
      }),
    },
    {
      name: "search, no match",
      what: "q = a random string found in no title",
      target: SEARCH,
      request: () => ({ path: `/tasks?limit=50&q=${noMatch()}` }),
    },
    {
      name: "facets, no filter",
      what: "GET /tasks/facets: status and priority from the kept totals, assignee and tag sampled",
      target: SEARCH,
      request: () => ({ path: "/tasks/facets" }),
    },
    {
      name: "facets, filtered",
      what: "GET /tasks/facets with random status and priority subsets and, half the time, a search term",
      target: SEARCH,
      request: () => ({
        path: `/tasks/facets?status=${randomSubset(TASK_STATUSES).join(",")}&priority=${randomSubset(TASK_PRIORITIES).join(",")}${
          Math.random() < 0.5 ? `&q=${encodeURIComponent(pickOne(SEED_NOUNS))}` : ""
        }`,
      }),
    },
    {
      name: "views, list",
      what: "GET /views (the caller's saved views)",
      target: UNCACHED,
      request: () => ({ path: "/views" }),
    },
    {
      name: "get by random id",
      what: "GET /tasks/{random id}",
      target: UNCACHED,
      request: () => ({ path: `/tasks/${randomInt(1, Math.max(2, Math.floor(count / 2)))}` }),
    },
    {
      name: "create",
      what: "POST /tasks",
      target: WRITE,
      method: "POST",
      onResponse: (status, body) => {
        const id = status === 201 ? /"id"\s*:\s*"(\d+)"/.exec(body)?.[1] : undefined;
        if (id) created.push(id);
      },
      request: () => ({
        path: "/tasks",
        body: JSON.stringify({
          title: `Bench ${pickOne(SEED_NOUNS)} ${randomInt(0, 1e9)}`,
          priority: pickOne(TASK_PRIORITIES),
          tags: ["bench"],
        }),
      }),
    },
    {
      name: "update",
      what: "PATCH /tasks/{random id} (status)",
      target: WRITE,
      method: "PATCH",
      request: () => ({
        path: `/tasks/${randomInt(1, Math.max(2, Math.floor(count / 2)))}`,
        body: JSON.stringify({ status: pickOne(TASK_STATUSES) }),
      }),
    },
    {
      name: "delete",
      what: "DELETE /tasks/{id}, each id once: the tasks just created, then seeded ones",
      target: WRITE,
      method: "DELETE",
      request: () => {
        const id = created.pop();
        if (id) return { path: `/tasks/${id}` };
        deleteNext -= 1;
        return { path: `/tasks/${deleteNext}` };
      },
    },
  ];
}

/** An autocannon request whose path (and body) is drawn anew for every request sent. */
/**
 * The benchmark's bearer token: an admin signed with the development key, verified on every
 * request like any caller's (the signature check is part of what a request costs).
 */
let benchToken: string | undefined;
export function benchAuthHeaders(): Record<string, string> {
  benchToken ??= mintDevToken({ sub: "bench", name: "Benchmark", role: "admin", ttlSeconds: 6 * 3600 });
  return { authorization: `Bearer ${benchToken}` };
}

export function autocannonRequest(scenario: Scenario): Request {
  const method = scenario.method ?? "GET";
  return {
    method,
    headers: {
      ...benchAuthHeaders(),
      ...(method === "POST" || method === "PATCH" ? { "content-type": "application/json" } : {}),
    },
    setupRequest: (request) => {
      const next = scenario.request();
      return { ...request, path: next.path, ...(next.body === undefined ? {} : { body: next.body }) };
    },
    ...(scenario.onResponse
      ? { onResponse: (status: number, body: string) => scenario.onResponse?.(status, body) }
      : {}),
  };
}

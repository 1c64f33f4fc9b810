// Requests for the fuzz suite: every route, query parameter, body field and header the contract
// names (the keys come from the zod schemas themselves), each filled either with a value of the
// right kind or with something hostile: control characters, unpaired surrogates, huge and negative
// numbers, instants at and past the edges, forged cursors, wrong types, duplicated keys, huge
// bodies and wrong content types.
import fc from "fast-check";
import { SORT_KEYS, TASK_PRIORITIES, TASK_STATUSES } from "#contract/constants";
import { CreateTaskInput, ListTasksQuery, UpdateTaskInput } from "#contract/schemas";

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Whether a 2xx may change the database (so only a 4xx must leave it untouched). */
  writes: boolean;
}

const shapeKeys = (schema: unknown): string[] => {
  let current = schema as { shape?: Record<string, unknown>; def?: { in?: unknown; schema?: unknown } };
  while (current && !current.shape && current.def)
    current = (current.def.in ?? current.def.schema) as typeof current;
  return Object.keys(current?.shape ?? {});
};
export const LIST_KEYS = shapeKeys(ListTasksQuery);
export const CREATE_KEYS = shapeKeys(CreateTaskInput);
export const UPDATE_KEYS = shapeKeys(UpdateTaskInput);

const controlChars = fc.constantFrom(
  "\u0000",
  "\u0001",
  "\u0008",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u2028",
  "\ufeff",
  "\r\n",
  "\t",
);
const surrogates = fc.constantFrom("\ud800", "\udfff", "\udc00x", "a\ud83d", "😀", "\ud83d\ude00");
const hostileText = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 8 }),
      controlChars,
      surrogates,
      fc.constantFrom("%", "_", "\\", "'", '"', "%_%_"),
    ),
    {
      maxLength: 6,
    },
  )
  .map((parts) => parts.join(""));

const edgeInstant = fc.constantFrom(
  "0001-01-01T00:00:00Z",
  "0001-01-01T00:00:00+01:00",
  "0000-12-31T23:59:59Z",
  "9999-12-31T23:59:59.999999Z",
  "9999-12-31T23:59:59-12:00",
  "9999-12-31T23:59:59.9999999Z",
  "2024-01-01T00:00:00+15:59",
  "2024-01-01T00:00:00+16:00",
  "2024-01-01T00:00:00-23:59",
  "2024-02-30T00:00:00Z",
  "2024-01-01T24:00:00Z",
  "1970-01-01T00:00:00Z",
  "2024-01-01",
  "now",
);
const validInstant = fc
  .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
  .map((date) => date.toISOString());
const instant = fc.oneof(validInstant, edgeInstant);

const hugeNumbers = fc.constantFrom(
  "0",
  "-1",
  "2147483648",
  "3000000000",
  "9223372036854775807",
  "9223372036854775808",
  "99999999999999999999999",
  "1e308",
  "NaN",
  "1.5",
  "",
);
const numberValue = fc.oneof(fc.integer({ min: -5, max: 300 }).map(String), hugeNumbers);

const forgedCursor = fc
  .record({
    q: fc.oneof(fc.string({ minLength: 12, maxLength: 12 }), fc.constant("aaaaaaaaaaaa")),
    k: fc.oneof(
      instant,
      fc.constantFrom("2024-01-01 00:00:00+16", "0001-12-31 23:00:00+00 BC", "infinity", "3", "a\u0000"),
      hostileText,
    ),
    i: fc.oneof(hugeNumbers, fc.constantFrom("1", "42")),
    d: fc.constantFrom("n", "p", "x"),
  })
  .map((payload) => Buffer.from(JSON.stringify(payload)).toString("base64url"));

const listValue: Record<string, fc.Arbitrary<string>> = {
  limit: numberValue,
  offset: numberValue,
  cursor: fc.oneof(forgedCursor, hostileText, fc.constant("%%%")),
  sort: fc.oneof(fc.constantFrom(...SORT_KEYS, ...SORT_KEYS.map((key) => `-${key}`)), hostileText),
  status: fc.oneof(
    fc.subarray([...TASK_STATUSES], { minLength: 1 }).map((list) => list.join(",")),
    hostileText,
  ),
  priority: fc.oneof(
    fc.subarray([...TASK_PRIORITIES], { minLength: 1 }).map((list) => list.join(",")),
    hostileText,
  ),
  assignee: fc.oneof(fc.constantFrom("user1", "alice"), hostileText),
  tag: fc.oneof(fc.constantFrom("backend", "ops"), hostileText),
  dueAfter: instant,
  dueBefore: instant,
  q: fc.oneof(fc.constantFrom("invoice", "report", "zzzqqq", "a", "%_%_%_", "Task"), hostileText),
};

const listQuery = fc
  .array(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .constantFrom(...LIST_KEYS)
          .chain((key) =>
            ((Object.hasOwn(listValue, key) ? listValue[key] : undefined) ?? hostileText).map(
              (value) => [key, value] as const,
            ),
          ),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom("color", "__proto__", "constructor", "limit[]"), hostileText),
      },
    ),
    { maxLength: 5 },
  )
  .map((pairs) => {
    const params = new URLSearchParams();
    for (const [key, value] of pairs) params.append(key, value);
    return params.toString();
  });

const jsonValue = (key: string): fc.Arbitrary<unknown> => {
  const wrongType = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    fc.double(),
  );
  const mostly = (valid: fc.Arbitrary<unknown>, hostile: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostile });
  const words = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ]{0,30}[A-Za-z0-9]$/);
  const right: Record<string, fc.Arbitrary<unknown>> = {
    title: mostly(words, fc.oneof(hostileText, fc.constant("x".repeat(201)), fc.string({ maxLength: 40 }))),
    description: mostly(fc.string({ maxLength: 60 }), hostileText),
    status: mostly(fc.constantFrom(...TASK_STATUSES), hostileText),
    priority: mostly(fc.constantFrom(...TASK_PRIORITIES), hostileText),
    assignee: mostly(fc.constantFrom(null, "user1", "alice"), hostileText),
    tags: mostly(
      fc.array(fc.constantFrom("backend", "ops", "fuzz"), { maxLength: 3 }),
      fc.oneof(fc.array(hostileText, { maxLength: 12 }), hostileText),
    ),
    dueAt: mostly(fc.constant(null), instant),
    expiresAt: mostly(fc.constant(null), instant),
    version: mostly(fc.integer({ min: 1, max: 5 }), fc.constantFrom(-1, 0, 2147483648, 3e9, 1e308, 1.5)),
  };

  return fc.oneof(
    { weight: 5, arbitrary: (Object.hasOwn(right, key) ? right[key] : undefined) ?? hostileText },
    { weight: 1, arbitrary: wrongType },
  );
};

const jsonBody = (keys: string[]) =>
  fc
    .array(
      fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...keys) },
        { weight: 1, arbitrary: fc.constantFrom("owner", "__proto__", "id") },
      ),
      {
        maxLength: 5,
      },
    )
    .chain((chosen) => fc.tuple(...chosen.map((key) => jsonValue(key).map((value) => [key, value] as const))))
    .map((pairs) => pairs as (readonly [string, unknown])[]);

/** JSON text of the pairs: duplicated keys kept, strings escaped so unpaired surrogates travel as \ud800. */
function jsonText(pairs: (readonly [string, unknown])[]): string {
  const encode = (value: unknown) =>
    JSON.stringify(value)?.replace(/[\ud800-\udfff]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`) ??
    "null";
  return `{${pairs.map(([key, value]) => `${encode(key)}:${encode(value)}`).join(",")}}`;
}

const rawBody = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"title":', "[]", '"x"', "null", "", "{}", '{"title":"a","title":"b"}'),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 65_000, max: 200_000 })
      .map((n) => JSON.stringify({ title: "big", description: "d".repeat(n) })),
  },
);

const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
      "",
    ),
  },
);

const etag = fc.oneof(
  fc.integer({ min: 0, max: 5 }).map((n) => `"${n}"`),
  fc.constantFrom('W/"1"', '"1', "*", '"1", "2"', '"9999999999"', ""),
  hostileText,
);

const optionalHeaders = fc
  .record(
    {
      "if-match": etag,
      "if-none-match": etag,
      "idempotency-key": fc.oneof(fc.uuid(), hostileText, fc.constant("k".repeat(201))),
    },
    { requiredKeys: [] },
  )
  .map((headers) =>
    Object.fromEntries(Object.entries(headers).filter(([, value]) => /^[\t\x20-\x7e]*$/.test(value))),
  );

const taskId = (ids: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: ids.length > 0 ? fc.constantFrom(...ids) : fc.constant("1") },
    {
      weight: 1,
      arbitrary: fc.oneof(
        hugeNumbers,
        fc.constantFrom("abc", "0", "-1", "%00", "1%20", "9223372036854775807"),
      ),
    },
  );

// ---------------------------------------------------------------------------------------------
// Issue 16: jobs, facets, views. A bulk selection always carries a tag filter that matches no task
// (a hostile string), and an import always ends with an unclosed quote, so no accepted request
// changes tasks later, behind the fuzzer's back, from the worker.

const typed = (type: string): Record<string, string> => (type ? { "content-type": type } : {});
const anything = fc.oneof(
  hostileText,
  numberValue,
  fc.constant(null),
  fc.array(hostileText, { maxLength: 3 }),
);
const filterObject = fc
  .dictionary(
    fc.constantFrom(...LIST_KEYS.filter((key) => !["limit", "cursor", "offset"].includes(key)), "x"),
    hostileText,
    {
      maxKeys: 3,
    },
  )
  .map((filter) => ({ ...filter, tag: `nomatch${Object.keys(filter).length}\u0001` }));
const bulkBody = fc
  .record(
    {
      selection: fc.record(
        {
          filter: filterObject,
          ids: fc.array(fc.oneof(hugeNumbers, fc.constant("1")), { maxLength: 3 }),
          except: fc.oneof(fc.array(hostileText, { maxLength: 2 }), anything),
        },
        { requiredKeys: ["filter"] },
      ),
      action: fc.record(
        {
          set: fc.dictionary(
            fc.constantFrom("status", "priority", "assignee", "title"),
            fc.oneof(fc.constantFrom(...TASK_STATUSES, ...TASK_PRIORITIES), hostileText),
          ),
          addTags: fc.oneof(fc.array(hostileText, { maxLength: 12 }), anything),
          removeTags: fc.array(hostileText, { maxLength: 2 }),
          delete: fc.oneof(fc.constant(true), anything),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));
const exportBody = fc
  .record(
    {
      filter: fc.oneof(filterObject, anything),
      format: fc.oneof(fc.constantFrom("csv", "ndjson", "xlsx"), anything),
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));
const importBody = fc
  .tuple(
    fc.array(
      fc.oneof(fc.constantFrom("title", "status", "priority", "tags", "dueAt", "id", "colour"), hostileText),
      { minLength: 0, maxLength: 4 },
    ),
    fc.array(
      fc.array(fc.oneof(hostileText, instant, fc.constantFrom('["a"]', "[", "todo", "urgent")), {
        maxLength: 5,
      }),
      { maxLength: 4 },
    ),
  )
  .map(([header, rows]) => `${[header, ...rows].map((row) => row.join(",")).join("\n")}\n"never closed`);
const jobId = fc.oneof(
  fc.uuid(),
  // A lone surrogate cannot be percent-encoded as UTF-8; it travels as an invalid sequence instead.
  hostileText
    .map((text) => text.replace(/[\ud800-\udfff]/g, "\u0000"))
    .map((text) => encodeURIComponent(text).replaceAll("%00", "%ED%A0%80")),
  fc.constantFrom("0", "x", "00000000-0000-0000-0000-000000000000"),
);

const jobRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.record({ body: bulkBody, type: contentType }).map(({ body, type }) => ({
    method: "POST",
    path: "/tasks/bulk",
    headers: typed(type),
    body,
    writes: true,
  })),
  fc.record({ body: exportBody, type: contentType }).map(({ body, type }) => ({
    method: "POST",
    path: "/tasks/export",
    headers: typed(type),
    body,
    writes: true,
  })),
  fc
    .record({
      body: importBody,
      type: fc.constantFrom("text/csv", "text/csv; charset=utf-8", "application/json", ""),
    })
    .map(({ body, type }) => ({
      method: "POST",
      path: "/tasks/import",
      headers: typed(type),
      body,
      writes: false,
    })),
  listQuery.map((q) => ({
    method: "GET",
    path: `/tasks/facets${q ? `?${q}` : ""}`,
    headers: {},
    writes: false,
  })),
  fc
    .record({ id: jobId, method: fc.constantFrom("GET", "DELETE") })
    .map(({ id, method }) => ({ method, path: `/jobs/${id}`, headers: {}, writes: method === "DELETE" })),
  jobId.map((id) => ({ method: "GET", path: `/jobs/${id}/download`, headers: {}, writes: false })),
);

const viewColumns = fc.oneof(
  fc.array(
    fc.record(
      {
        key: fc.oneof(fc.constantFrom("title", "status", "tags", "colour"), hostileText),
        width: fc.oneof(fc.integer({ min: -10, max: 3000 }), anything),
        hidden: fc.oneof(fc.boolean(), anything),
      },
      { requiredKeys: ["key"] },
    ),
    { maxLength: 14 },
  ),
  anything,
);
const viewBody = fc
  .record(
    {
      name: fc.oneof(hostileText, fc.constant("x".repeat(101))),
      query: fc.oneof(filterObject, anything),
      columns: viewColumns,
      shared: fc.oneof(fc.boolean(), anything),
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));
const viewRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.constant<FuzzRequest>({ method: "GET", path: "/views", headers: {}, writes: false }),
  fc.record({ body: viewBody, type: contentType }).map(({ body, type }) => ({
    method: "POST",
    path: "/views",
    headers: typed(type),
    body,
    writes: true,
  })),
  fc
    .record({ id: jobId, body: viewBody, method: fc.constantFrom("GET", "PATCH", "DELETE") })
    .map(({ id, body, method }) => ({
      method,
      path: `/views/${id}`,
      headers: typed(method === "PATCH" ? "application/json" : ""),
      ...(method === "PATCH" ? { body } : {}),
      writes: method !== "GET",
    })),
);

/** A request to any route; `ids` are tasks known to exist, so updates and deletes hit real rows. */
export function fuzzRequest(ids: string[]): fc.Arbitrary<FuzzRequest> {
  const withBody = (method: "POST" | "PATCH", path: fc.Arbitrary<string>, keys: string[]) =>
    fc.record({ path, pairs: jsonBody(keys), raw: rawBody, type: contentType, headers: optionalHeaders }).map(
      ({ path, pairs, raw, type, headers }): FuzzRequest => ({
        method,
        path,
        headers: { ...headers, ...(type ? { "content-type": type } : {}) },
        // Creates name a title first (the one required field), so most reach the database.
        body:
          raw ??
          jsonText(method === "POST" && pairs.length > 0 ? [["title", `t${pairs.length}`], ...pairs] : pairs),
        writes: true,
      }),
    );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ q: listQuery, headers: optionalHeaders }).map(({ q, headers }) => ({
        method: "GET",
        path: `/tasks${q ? `?${q}` : ""}`,
        headers,
        writes: false,
      })),
    },
    { weight: 3, arbitrary: withBody("POST", fc.constant("/tasks"), CREATE_KEYS) },
    {
      weight: 3,
      arbitrary: withBody(
        "PATCH",
        taskId(ids).map((id) => `/tasks/${id}`),
        UPDATE_KEYS,
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ id: taskId(ids), headers: optionalHeaders })
        .map(({ id, headers }) => ({ method: "GET", path: `/tasks/${id}`, headers, writes: false })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ id: taskId(ids), headers: optionalHeaders })
        .map(({ id, headers }) => ({ method: "DELETE", path: `/tasks/${id}`, headers, writes: true })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          "/tasks/stats",
          "/health",
          "/openapi.json",
          "/tasks/activity",
          "/ops",
          "/ops?window=%ff&x[]=1",
          "/nope",
          "/tasks/1/2",
        )
        .map((path) => ({ method: "GET", path, headers: {}, writes: false })),
    },
    { weight: 2, arbitrary: jobRequest },
    { weight: 2, arbitrary: viewRequest },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("PUT", "OPTIONS", "HEAD")
        .map((method) => ({ method, path: "/tasks", headers: {}, writes: false })),
    },
  );
}

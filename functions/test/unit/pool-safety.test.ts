// Issue 18: nothing in the functions' SQL may leave state on a server connection that outlives its
// transaction. RDS Proxy pins such a connection to one client for the rest of its session (the
// multiplexing it exists for is gone), and pgbouncer in transaction mode hands it to another client
// with the state still on it. Transaction-scoped forms are fine: SET LOCAL, set_config(.., true),
// pg_advisory_xact_lock. Timeouts travel as startup parameters of the pool (platform/db.ts).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../src");

interface Rule {
  name: string;
  pattern: RegExp;
}

// A statement that starts a string literal, or follows a `;` in one.
const STATEMENT_START = String.raw`(?:["'\x60;]|\bquery\(\s*["'\x60])\s*`;

const RULES: Rule[] = [
  {
    name: "session SET (use SET LOCAL inside a transaction, or a startup parameter)",
    pattern: new RegExp(`${STATEMENT_START}set\\s+(?!local\\b)(?:session\\s+)?[a-z_.]+\\s*(?:=|to\\b)`, "i"),
  },
  { name: "RESET / DISCARD", pattern: new RegExp(`${STATEMENT_START}(?:reset|discard)\\s+\\w+`, "i") },
  {
    name: "set_config(.., false) or without is_local",
    pattern: /set_config\s*\((?:(?!\)).)*,\s*(?:false|\$\d+)\s*\)/is,
  },
  {
    name: "session advisory lock (use pg_advisory_xact_lock)",
    pattern: /pg_(?:try_)?advisory_(?:lock|unlock)\w*\s*\(/i,
  },
  {
    name: "SQL-level PREPARE / EXECUTE / DEALLOCATE",
    pattern: new RegExp(`${STATEMENT_START}(?:prepare|execute|deallocate)\\s+\\w+`, "i"),
  },
  { name: "named (server-side) prepared statement", pattern: /\{\s*name\s*:\s*["'`][^}]*\btext\s*:/s },
  {
    name: "temporary table, view or sequence",
    pattern: /create\s+(?:(?:global|local)\s+)?(?:temp|temporary)\s+(?:table|view|sequence)/i,
  },
  { name: "LISTEN / UNLISTEN", pattern: new RegExp(`${STATEMENT_START}(?:un)?listen\\s+\\w+`, "i") },
  { name: "cursor WITH HOLD", pattern: /cursor\s+with\s+hold/i },
  { name: "currval / lastval (session sequence state)", pattern: /\b(?:currval|lastval)\s*\(/i },
];

/** Code without comments: a comment may name what it avoids. */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => (/^\s*\/\//.test(line) ? "" : line.replace(/\s\/\/\s.*$/, "")))
    .join("\n");
}

function findings(source: string): string[] {
  const code = withoutComments(source);
  return RULES.filter((rule) => rule.pattern.test(code)).map((rule) => rule.name);
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|sql)$/.test(name) ? [full] : [];
  });
}

describe("connection-pool safety of the functions' SQL", () => {
  it("when any function's source runs SQL, then none of it leaves session state on the connection", () => {
    const found = sourceFiles(ROOT).flatMap((file) =>
      findings(readFileSync(file, "utf8")).map((rule) => `${path.relative(ROOT, file)}: ${rule}`),
    );
    expect(found).toEqual([]);
  });

  it("when SQL sets session state, then the check names it (the check can fail)", () => {
    const unsafe = [
      "await client.query(`set statement_timeout = ${ms}; set lock_timeout = ${lock}`);",
      'await client.query("SET search_path TO app");',
      "await client.query(\"select set_config('app.actor', $1, false)\", [actor]);",
      'await client.query("select pg_advisory_lock($1)", [LOCK_ID]);',
      'await client.query("select pg_try_advisory_lock(42)");',
      'await client.query("PREPARE page AS select 1");',
      "await client.query({ name: 'page', text: 'select 1' });",
      'await client.query("create temp table ids (id bigint)");',
      'await client.query("LISTEN tasks");',
      "await client.query(\"select 1; set work_mem = '1GB'\");",
      "await client.query(\"select currval('tasks_id_seq')\");",
    ];
    for (const snippet of unsafe) expect(findings(snippet), snippet).not.toEqual([]);
  });

  it("when SQL keeps state within its transaction, then the check lets it through", () => {
    const safe = [
      "await client.query(`set local statement_timeout = ${ms}`);",
      "await client.query(\"select set_config('app.actor', $1, true)\", [actor]);",
      'await client.query("select pg_advisory_xact_lock($1)", [LOCK_ID]);',
      "await client.query(`update cache_identity\n     set previous_token = token`);",
      'await client.query("update tasks set title = $1 where id = $2", [title, id]);',
      "// a session SET would pin the connection: set statement_timeout = 5",
    ];
    for (const snippet of safe) expect(findings(snippet), snippet).toEqual([]);
  });
});

// Reading an import (pure, no I/O): RFC 4180 CSV with a header row naming export columns, every
// row validated with the same schema as POST /tasks. Problems are collected for every line, not
// only the first, so a person fixes a file in one pass; any problem means nothing is imported.
import { EXPORT_COLUMNS, type ExportColumn, MAX_IMPORT_ROWS } from "#contract/constants";
import type { ImportProblem } from "#contract/jobs";
import { CreateTaskInput } from "#contract/schemas";
import type { ImportRow } from "../tasks/bulk";
import { priorityRank } from "../tasks/query";

/** Columns an export carries that an import ignores: new tasks get their own. */
const IGNORED: readonly ExportColumn[] = ["id", "createdAt", "updatedAt", "version"];
const MAX_PROBLEMS = 1_000;

interface CsvRecord {
  line: number;
  fields: string[];
}

/** Splits CSV text into records, each with the line it starts on; an unclosed quote is a problem. */
export function parseCsv(text: string): { records: CsvRecord[]; problem?: ImportProblem } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const body = text.startsWith("\ufeff") ? text.slice(1) : text;
  const endRecord = () => {
    fields.push(field);
    // A blank line is no record.
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: recordLine, fields });
    fields = [];
    field = "";
    fieldStarted = false;
  };
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i];
    if (quoted) {
      if (char === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else {
        if (char === "\n") line += 1;
        field += char;
      }
      continue;
    }
    if (char === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (char === ",") {
      fields.push(field);
      field = "";
      fieldStarted = false;
    } else if (char === "\r" && body[i + 1] === "\n") {
      // CRLF: the \n ends the record.
    } else if (char === "\n") {
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) {
    return {
      records,
      problem: {
        path: `line ${recordLine}`,
        line: recordLine,
        column: null,
        message: "a quoted field is never closed",
      },
    };
  }
  if (field !== "" || fields.length > 0) endRecord();
  return { records };
}

const problem = (line: number, column: string | null, message: string): ImportProblem => ({
  path: column ? `line ${line}, ${column}` : `line ${line}`,
  line,
  column,
  message,
});

/** A cell as the schema's input: empty is "not given" (the default) or null where null is allowed. */
function cellValue(column: ExportColumn, cell: string): unknown {
  if (column === "tags") {
    if (cell.trim() === "") return [];
    try {
      return JSON.parse(cell);
    } catch {
      return cell;
    }
  }
  if (cell === "" && (column === "assignee" || column === "dueAt" || column === "expiresAt")) return null;
  if (cell === "") return undefined;
  return cell;
}

/** The rows of a valid import, or every problem found (line 1 is the header). */
export function readImport(text: string): { rows: ImportRow[] } | { problems: ImportProblem[] } {
  const { records, problem: parseProblem } = parseCsv(text);
  if (parseProblem) return { problems: [parseProblem] };
  const header = records[0];
  if (!header) return { problems: [problem(1, null, "the file is empty: a header row is needed")] };
  const problems: ImportProblem[] = [];
  const columns = header.fields.map((name) => name.trim());
  const known = new Set<string>(EXPORT_COLUMNS);
  columns.forEach((name) => {
    if (!known.has(name))
      problems.push(problem(1, name, `unknown column; the columns are ${EXPORT_COLUMNS.join(", ")}`));
  });
  if (new Set(columns).size !== columns.length) problems.push(problem(1, null, "a column is named twice"));
  if (!columns.includes("title")) problems.push(problem(1, "title", "the title column is required"));
  if (records.length - 1 > MAX_IMPORT_ROWS) {
    problems.push(problem(1, null, `at most ${MAX_IMPORT_ROWS} rows per import`));
  }
  if (records.length === 1) problems.push(problem(1, null, "the file has no rows after the header"));
  if (problems.length > 0) return { problems };
  const rows: ImportRow[] = [];
  for (const record of records.slice(1)) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (record.fields.length !== columns.length) {
      problems.push(
        problem(record.line, null, `${record.fields.length} fields where the header has ${columns.length}`),
      );
      continue;
    }
    const input: Record<string, unknown> = {};
    columns.forEach((name, i) => {
      const column = name as ExportColumn;
      if (IGNORED.includes(column)) return;
      const value = cellValue(column, record.fields[i] ?? "");
      if (value !== undefined) input[column] = value;
    });
    const parsed = CreateTaskInput.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column = issue.path.length > 0 ? String(issue.path[0]) : null;
        problems.push(problem(record.line, column, issue.message));
      }
      continue;
    }
    const task = parsed.data;
    rows.push({
      title: task.title,
      description: task.description,
      status: task.status,
      priority: priorityRank(task.priority),
      assignee: task.assignee,
      tags: task.tags,
      dueAt: task.dueAt,
      expiresAt: task.expiresAt,
    });
  }
  return problems.length > 0 ? { problems: problems.slice(0, MAX_PROBLEMS) } : { rows };
}

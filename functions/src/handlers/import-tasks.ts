import { MAX_IMPORT_BYTES } from "#contract/constants";
import { auditContextOf } from "../audit/context";
import { readImport } from "../jobs/import-csv";
import { startImport } from "../jobs/service";
import { ImportRejectedError } from "../platform/errors";
import { csvBody, httpHandler, json } from "../platform/http";

/**
 * POST /tasks/import: a CSV with the export's columns. Every row is validated here; one problem
 * and nothing is imported (422, every problem by line and column); all valid, and one job creates
 * them all in one transaction (202).
 */
export const handler = httpHandler(
  async (event, context) => {
    const result = readImport(csvBody(event, MAX_IMPORT_BYTES));
    if ("problems" in result) {
      throw new ImportRejectedError(
        `Nothing was imported: ${result.problems.length} problem${result.problems.length === 1 ? "" : "s"} found`,
        result.problems,
      );
    }
    return json(202, { job: await startImport(result.rows, auditContextOf(event, context)) });
  },
  { role: "editor" },
);

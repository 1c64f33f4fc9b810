import { readFile } from "node:fs/promises";
import { JobPath } from "#contract/jobs";
import { jobFor } from "../jobs/service";
import { ConflictError } from "../platform/errors";
import { actorOrThrow, httpHandler, parseInput } from "../platform/http";

const TYPES = { csv: "text/csv; charset=utf-8", ndjson: "application/x-ndjson" } as const;

/**
 * GET /jobs/{id}/download: a completed export's file (its owner or an admin). Locally the file
 * under EXPORT_DIR; on AWS the export is an S3 object and this answers a presigned URL (README).
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(JobPath, event.pathParameters ?? {});
    const row = await jobFor(id, actorOrThrow(event));
    const format = row.job.format;
    if (row.kind !== "export" || !format) throw new ConflictError("This job is not an export");
    if (row.state !== "completed" || !row.filePath) {
      throw new ConflictError(`The export is ${row.state}; download it once it is completed`);
    }
    const body = await readFile(row.filePath, "utf8").catch(() => {
      throw new ConflictError("The export's file is gone (exports are kept for a day); export again");
    });
    return {
      statusCode: 200,
      headers: {
        "Content-Type": TYPES[format],
        "Content-Disposition": `attachment; filename="tasks-${id}.${format}"`,
        "Cache-Control": "no-store",
      },
      body,
    };
  },
  { role: "viewer" },
);

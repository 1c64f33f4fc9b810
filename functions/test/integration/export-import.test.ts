// Exports and imports against the real PostgreSQL: an export is a job that COPYs the view (filters,
// sort, search) into a file served by GET /jobs/{id}/download; an import validates every row and
// creates all of them or none.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { EXPORT_COLUMNS } from "#contract/constants";
import { handler as downloadJob } from "../../src/handlers/download-job";
import { handler as exportTasks } from "../../src/handlers/export-tasks";
import { handler as getJob } from "../../src/handlers/get-job";
import { handler as importTasks } from "../../src/handlers/import-tasks";
import { readImport } from "../../src/jobs/import-csv";
import { drainQueue } from "../../src/jobs/queue";
import { purgeOldJobs, runJob } from "../../src/jobs/run-job";
import { query } from "../../src/platform/db";
import { httpEvent, invoke, lambdaContext } from "../support/events";
import { makeTask, uniqueMarker } from "../support/factories";
import { authHeaders } from "../support/tokens";

const drain = () => drainQueue(runJob);

async function exportOf(
  filter: Record<string, string>,
  format: "csv" | "ndjson",
  role: "viewer" | "editor" = "viewer",
) {
  const started = await invoke(exportTasks, {
    method: "POST",
    path: "/tasks/export",
    headers: authHeaders(role),
    body: { filter, format },
  });
  expect(started.statusCode).toBe(202);
  const id = (started.json() as { job: { id: string } }).job.id;
  await drain();
  const job = await invoke(getJob, {
    path: `/jobs/${id}`,
    pathParameters: { id },
    headers: authHeaders(role),
  });
  const download = await invoke(downloadJob, {
    path: `/jobs/${id}/download`,
    pathParameters: { id },
    headers: authHeaders(role),
  });
  return { id, job: job.json().job as { state: string; done: number; download: string | null }, download };
}

const importCsv = (csv: string, role: "editor" | "viewer" = "editor", type = "text/csv") =>
  invoke(importTasks, {
    method: "POST",
    path: "/tasks/import",
    headers: { ...authHeaders(role), "content-type": type },
    rawBody: csv,
  });

describe("exports", () => {
  it("when a viewer exports a filtered, sorted, searched view as CSV, then the file holds exactly those tasks in that order", async () => {
    const marker = uniqueMarker("exp");
    await makeTask({
      title: `${marker} b, "quoted"`,
      priority: "high",
      tags: ["x", "y"],
      description: "two\nlines",
    });
    await makeTask({ title: `${marker} a`, priority: "low" });
    await makeTask({ title: `${marker} c`, priority: "urgent", status: "done" });
    const { job, download } = await exportOf({ q: marker, status: "todo", sort: "title" }, "csv");
    expect(job).toMatchObject({ state: "completed", done: 2 });
    expect(job.download).toMatch(/^\/jobs\/.+\/download$/);
    expect(download.statusCode).toBe(200);
    expect(download.headers["Content-Type"]).toMatch(/^text\/csv/);
    const parsed = readImport(download.body);
    expect("rows" in parsed && parsed.rows.map((row) => row.title)).toEqual([
      `${marker} a`,
      `${marker} b, "quoted"`,
    ]);
    expect(download.body.split("\n")[0]).toBe(EXPORT_COLUMNS.join(","));
    expect("rows" in parsed && parsed.rows[1]).toMatchObject({
      tags: ["x", "y"],
      description: "two\nlines",
      priority: 2,
    });
  });

  it("when exported as NDJSON, then every line is the API's JSON of a task", async () => {
    const marker = uniqueMarker("nd");
    const task = await makeTask({ title: `${marker} \\ back "slash"`, tags: ["a"] });
    const { download } = await exportOf({ q: marker }, "ndjson");
    const lines = download.body
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([task]);
  });

  it("when someone else asks for the file, then it is refused; before it is done, then it is a 409", async () => {
    const { id } = await exportOf({ q: uniqueMarker("none") }, "csv", "editor");
    const other = await invoke(downloadJob, {
      path: `/jobs/${id}/download`,
      pathParameters: { id },
      headers: authHeaders("viewer"),
    });
    expect(other.statusCode).toBe(403);
    const admin = await invoke(downloadJob, {
      path: `/jobs/${id}/download`,
      pathParameters: { id },
      headers: authHeaders("admin"),
    });
    expect(admin.statusCode).toBe(200);
    const row = await query<{ file_path: string }>("select file_path from jobs where id = $1", [id]);
    expect(await readFile(row.rows[0]?.file_path ?? "", "utf8")).toBe(admin.body);
  });
});

describe("imports", () => {
  it("when every row is valid, then one job creates all of them, with an audit summary", async () => {
    const marker = uniqueMarker("imp");
    const csv = [
      "title,status,priority,assignee,tags,dueAt,id,createdAt",
      `${marker} one,done,high,ada,"[""a"",""b""]",2030-01-02T03:04:05Z,999,2020-01-01T00:00:00Z`,
      `"${marker} two, with comma",todo,low,,,,,`,
    ].join("\r\n");
    const response = await importCsv(csv);
    expect(response.statusCode).toBe(202);
    const id = (response.json() as { job: { id: string; total: number } }).job.id;
    await drain();
    const rows = await query<{
      title: string;
      status: string;
      priority: number;
      assignee: string | null;
      tags: string[];
    }>("select title, status, priority, assignee, tags from tasks where title like $1 order by title", [
      `${marker}%`,
    ]);
    expect(rows.rows).toEqual([
      { title: `${marker} one`, status: "done", priority: 2, assignee: "ada", tags: ["a", "b"] },
      { title: `${marker} two, with comma`, status: "todo", priority: 0, assignee: null, tags: [] },
    ]);
    const audit = await query(
      "select action, changes ->> 'rows' as rows from audit_log where changes ->> 'jobId' = $1",
      [id],
    );
    expect(audit.rows).toEqual([{ action: "tasks.import", rows: "2" }]);
  });

  it("when one line is bad, then nothing is imported and the 422 lists every problem by line and column", async () => {
    const marker = uniqueMarker("bad");
    const csv = [
      "title,status,priority",
      `${marker} fine,todo,low`,
      `${marker} wrong,someday,low`,
      `,todo,urgent`,
      `${marker} short,todo`,
    ].join("\n");
    const response = await importCsv(csv);
    expect(response.statusCode).toBe(422);
    const body = response.json() as {
      error: { code: string; details: { line: number; column: string | null; path: string }[] };
    };
    expect(body.error.code).toBe("invalid_import");
    expect(body.error.details.map(({ line, column }) => [line, column])).toEqual([
      [3, "status"],
      [4, "title"],
      [5, null],
    ]);
    expect(body.error.details[0]?.path).toBe("line 3, status");
    const rows = await query("select 1 from tasks where title like $1", [`${marker}%`]);
    expect(rows.rowCount).toBe(0);
  });

  it("when the header names an unknown column, the body is not CSV, or the caller is a viewer, then it is refused", async () => {
    const unknown = await importCsv("title,colour\nx,red\n");
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details[0]).toMatchObject({ line: 1, column: "colour" });
    expect((await importCsv("title\nx\n", "editor", "application/json")).statusCode).toBe(415);
    expect((await importCsv("title\nx\n", "viewer")).statusCode).toBe(403);
    expect((await importCsv('title\n"never closed\n')).statusCode).toBe(422);
    expect((await importCsv("")).statusCode).toBe(422);
    const event = httpEvent({
      method: "POST",
      path: "/tasks/import",
      headers: { ...authHeaders("editor"), "content-type": "text/csv" },
    });
    const notUtf8 = await importTasks(
      { ...event, isBase64Encoded: true, body: Buffer.from([0x74, 0x0a, 0xff, 0xfe]).toString("base64") },
      lambdaContext(),
    );
    expect(notUtf8.statusCode).toBe(415);
  });
});

describe("retention", () => {
  it("when an export finished over a day ago, then the scheduled purge removes its job and its file", async () => {
    const { id } = await exportOf({ q: uniqueMarker("old") }, "csv");
    const row = await query<{ file_path: string }>("select file_path from jobs where id = $1", [id]);
    const file = row.rows[0]?.file_path ?? "";
    await readFile(file);
    await query("update jobs set finished_at = now() - interval '25 hours' where id = $1", [id]);
    expect(await purgeOldJobs()).toBeGreaterThanOrEqual(1);
    expect((await query("select 1 from jobs where id = $1", [id])).rowCount).toBe(0);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });
});

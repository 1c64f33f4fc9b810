import { useRef, useState } from "react";
import { MAX_IMPORT_BYTES } from "#contract/constants";
import {
  ApiError,
  type ExportFormat,
  type ImportProblem,
  importCsv,
  importProblems,
  type Job,
} from "../lib/api";
import { formatCount } from "../lib/row-window";
import { useWriteAccess } from "../lib/session";

export interface ImportExportProps {
  onExport: (format: ExportFormat) => void;
  /** An import the API accepted: its job, to follow. */
  onImported: (job: Job, filename: string) => void;
}

interface Refused {
  filename: string;
  message: string;
  problems: ImportProblem[];
}

/**
 * Export the view (every matching row, not the loaded ones) as CSV or NDJSON, and import a CSV
 * with the export's columns: the API checks every row first and imports all or none, so a refused
 * file lists each problem by line and column and nothing changed.
 */
export function ImportExport({ onExport, onImported }: ImportExportProps) {
  const write = useWriteAccess();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<Refused | null>(null);

  const upload = async (file: File) => {
    setRefused(null);
    if (file.size > MAX_IMPORT_BYTES) {
      setRefused({
        filename: file.name,
        message: `The file is ${formatCount(Math.ceil(file.size / 1024))} KB; at most ${formatCount(MAX_IMPORT_BYTES / 1024 / 1024)} MB can be imported at once.`,
        problems: [],
      });
      return;
    }
    setBusy(true);
    try {
      onImported(await importCsv(file), file.name);
    } catch (caught) {
      const error = caught instanceof ApiError ? caught : null;
      setRefused({
        filename: file.name,
        message: error?.message ?? "The file could not be sent.",
        problems: error && error.code === "invalid_import" ? importProblems(error) : [],
      });
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  };

  return (
    <>
      <label className="visually-hidden" htmlFor="export-view">
        Export the view
      </label>
      <select
        id="export-view"
        value=""
        onChange={(event) => {
          const format = event.target.value as ExportFormat | "";
          if (format) onExport(format);
        }}
      >
        <option value="">Export view…</option>
        <option value="csv">Export view as CSV</option>
        <option value="ndjson">Export view as NDJSON</option>
      </select>
      <input
        ref={input}
        id="import-file"
        type="file"
        accept=".csv,text/csv"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => {
          const file = event.target.files?.[0];
          if (file) void upload(file);
        }}
      />
      <button
        type="button"
        disabled={!write.canWrite || busy}
        title={write.whyNot}
        onClick={() => input.current?.click()}
      >
        {busy ? "Checking…" : "Import CSV…"}
      </button>
      {refused && (
        <section className="import-errors banner banner-error" aria-labelledby="import-errors-title">
          <div>
            <div role="alert">
              <h2 id="import-errors-title">
                Nothing was imported from {refused.filename}
                {refused.problems.length
                  ? `: ${formatCount(refused.problems.length)} ${refused.problems.length === 1 ? "problem" : "problems"}`
                  : ""}
              </h2>
            </div>
            {refused.problems.length ? (
              <table className="problems">
                <caption className="visually-hidden">Problems by line and column</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Column</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {refused.problems.map((problem) => (
                    <tr key={`${problem.line}:${problem.column}:${problem.message}`}>
                      <td>{problem.line || "—"}</td>
                      <td>{problem.column ?? "—"}</td>
                      <td>{problem.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p>{refused.message}</p>
            )}
          </div>
          <button type="button" onClick={() => setRefused(null)}>
            Dismiss
          </button>
        </section>
      )}
    </>
  );
}

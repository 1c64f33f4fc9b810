import { useEffect, useRef, useState } from "react";
import { ApiError, downloadExport, type Job } from "../lib/api";
import { formatCount } from "../lib/row-window";
import { isFinished, type Jobs, type TrackedJob } from "./use-jobs";

const DONE_WORDS: Record<Job["kind"], string> = { bulk: "changed", export: "exported", import: "imported" };

function percent(job: Job): number {
  return job.total > 0 ? Math.min(100, Math.round((job.done / job.total) * 100)) : 0;
}

/** Saves a blob under `filename` the way a link with `download` does. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function summary(job: TrackedJob): string {
  const tasks = (n: number) => `${formatCount(n)} ${n === 1 ? "task" : "tasks"}`;
  switch (job.state) {
    case "queued":
      return job.error ? `Waiting to retry (${job.error})` : "Waiting to start…";
    case "running":
      return `${formatCount(job.done)} of ${tasks(job.total)} (${percent(job)}%)`;
    case "completed": {
      const skipped = job.skipped
        ? `; ${formatCount(job.skipped)} left alone because someone changed them meanwhile`
        : "";
      return `Done: ${tasks(job.done - job.skipped)} ${DONE_WORDS[job.kind]}${skipped}.`;
    }
    case "cancelled":
      return `Cancelled after ${formatCount(job.done)} of ${tasks(job.total)}.`;
    case "failed":
      return `Failed: ${job.error ?? "the job stopped"}.`;
  }
}

function JobRow({ job, jobs }: { job: TrackedJob; jobs: Jobs }) {
  const finished = isFinished(job);
  const [error, setError] = useState<string | null>(null);
  const downloaded = useRef(false);
  const download = async () => {
    setError(null);
    try {
      const file = await downloadExport(job);
      saveFile(file.blob, file.filename);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The file could not be downloaded.");
    }
  };
  // The export the person asked for downloads by itself when it is ready.
  useEffect(() => {
    if (job.kind === "export" && job.state === "completed" && !downloaded.current) {
      downloaded.current = true;
      void download();
    }
  }, [job.kind, job.state]);
  return (
    <li className={`job job-${job.state}`} data-job-state={job.state} data-testid="job">
      <div className="job-text">
        <strong>{job.label}</strong> <span>{summary(job)}</span>
        {error && (
          <span className="job-error" role="alert">
            {" "}
            {error}
          </span>
        )}
      </div>
      {!finished && (
        <progress
          max={Math.max(1, job.total)}
          value={job.done}
          aria-label={`${job.label}: progress`}
          aria-valuetext={summary(job)}
        />
      )}
      <div className="job-buttons">
        {!finished && (
          <button
            type="button"
            onClick={() => jobs.cancel(job.id).catch((caught) => setError(String((caught as Error).message)))}
          >
            Cancel
          </button>
        )}
        {job.kind === "export" && job.state === "completed" && (
          <button type="button" onClick={() => void download()}>
            Download again
          </button>
        )}
        {finished && (
          <button type="button" aria-label={`Dismiss “${job.label}”`} onClick={() => jobs.dismiss(job.id)}>
            Dismiss
          </button>
        )}
      </div>
    </li>
  );
}

/** The jobs this page started: progress, Cancel, and the outcome until dismissed. */
export function JobPanel({ jobs }: { jobs: Jobs }) {
  const latest = jobs.list[0];
  return (
    <section className="jobs" aria-label="Background jobs" hidden={jobs.list.length === 0}>
      <ul>
        {jobs.list.map((job) => (
          <JobRow key={job.id} job={job} jobs={jobs} />
        ))}
      </ul>
      {/* One polite announcement for the newest job's state (not every percent). */}
      <p className="visually-hidden" role="status" aria-live="polite">
        {latest && isFinished(latest)
          ? `${latest.label}: ${summary(latest)}`
          : latest
            ? `${latest.label} started.`
            : ""}
      </p>
    </section>
  );
}

import { useCallback, useEffect, useRef, useState } from "react";
import { FINISHED_JOB_STATES } from "#contract/constants";
import type { JobProgress } from "#contract/live";
import { cancelJob, getJob, type Job } from "../lib/api";

/** Progress is read this often while the live feed is quiet (it also pushes one per chunk). */
const POLL_MS = 700;

export function isFinished(job: Pick<Job, "state">): boolean {
  return (FINISHED_JOB_STATES as readonly string[]).includes(job.state);
}

/** A job and what the person asked for, in their words ("Set status to Done"). */
export type TrackedJob = Job & { label: string };

export interface Jobs {
  /** The jobs started on this page, newest first, until dismissed. */
  list: TrackedJob[];
  /** Follows a job the API just answered 202 with. */
  track: (job: Job, label: string) => void;
  cancel: (id: string) => Promise<void>;
  dismiss: (id: string) => void;
  /** A job.progress event from the live feed. */
  onProgress: (progress: JobProgress) => void;
}

/**
 * The jobs this page started: polled with GET /jobs/{id} until they finish, and moved on sooner by
 * the live feed's progress events (whichever is newer wins: `done` never goes backwards).
 * `onFinished` runs once per job when it reaches completed, failed or cancelled.
 */
export function useJobs(onFinished: (job: TrackedJob) => void): Jobs {
  const [list, setList] = useState<TrackedJob[]>([]);
  const finished = useRef(new Set<string>());
  const callback = useRef(onFinished);
  callback.current = onFinished;

  const merge = useCallback((next: Partial<Job> & { id: string }) => {
    setList((jobs) =>
      jobs.map((job) => {
        if (job.id !== next.id || isFinished(job)) return job;
        if (!isFinished({ state: next.state ?? job.state }) && (next.done ?? 0) < job.done) return job;
        return { ...job, ...next };
      }),
    );
  }, []);

  useEffect(() => {
    for (const job of list) {
      if (isFinished(job) && !finished.current.has(job.id)) {
        finished.current.add(job.id);
        callback.current(job);
      }
    }
  }, [list]);

  const running = list.filter((job) => !isFinished(job)).map((job) => job.id);
  const runningKey = running.join(",");
  useEffect(() => {
    if (!runningKey) return;
    const controller = new AbortController();
    const timer = setInterval(() => {
      for (const id of runningKey.split(",")) {
        getJob(id, controller.signal).then(merge, () => {
          // A failed poll is retried at the next tick; the live feed may move it on meanwhile.
        });
      }
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [runningKey, merge]);

  return {
    list,
    track: useCallback(
      (job: Job, label: string) =>
        setList((jobs) => [{ ...job, label }, ...jobs.filter((other) => other.id !== job.id)]),
      [],
    ),
    cancel: useCallback(
      async (id: string) => {
        merge(await cancelJob(id));
      },
      [merge],
    ),
    dismiss: useCallback((id: string) => setList((jobs) => jobs.filter((job) => job.id !== id)), []),
    onProgress: useCallback((progress: JobProgress) => merge(progress), [merge]),
  };
}

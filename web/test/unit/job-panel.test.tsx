// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useEffect } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JobPanel } from "../../src/components/JobPanel";
import { type TrackedJob, useJobs } from "../../src/components/use-jobs";
import type { Job } from "../../src/lib/api";

const ID = "6f1c7a52-3f0b-4d7e-9c61-1b2a3c4d5e6f";

function job(patch: Partial<Job>): Job {
  return {
    id: ID,
    kind: "bulk",
    state: "running",
    total: 10_000,
    done: 0,
    skipped: 0,
    error: null,
    attempts: 1,
    createdAt: "2026-12-07T08:00:00Z",
    startedAt: "2026-12-07T08:00:00Z",
    finishedAt: null,
    format: null,
    download: null,
    ...patch,
  };
}

/** The panel over the page's jobs, with one job started, and a way to push live progress. */
function Harness({
  onFinished,
  progress,
}: {
  onFinished: (job: TrackedJob) => void;
  progress: { push?: (done: number) => void };
}) {
  const jobs = useJobs(onFinished);
  const { track, onProgress } = jobs;
  useEffect(() => {
    track(job({ done: 0 }), "Set status to Done");
    progress.push = (done) =>
      onProgress({ id: ID, kind: "bulk", state: "running", total: 10_000, done, skipped: 0 });
  }, [track, onProgress, progress]);
  return <JobPanel jobs={jobs} />;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the job panel", () => {
  it("when progress arrives by poll and by the live feed, then it only moves forward, and Cancel ends the job once", async () => {
    vi.useFakeTimers();
    const answers = [job({ done: 4_000 }), job({ done: 2_000 })];
    const fetch = vi.fn(async (_url: string, init?: RequestInit) =>
      Response.json({
        job:
          init?.method === "DELETE"
            ? job({ state: "cancelled", done: 6_000, finishedAt: "2026-12-07T08:00:09Z" })
            : (answers.shift() ?? job({ done: 2_000 })),
      }),
    );
    vi.stubGlobal("fetch", fetch);
    const finished = vi.fn();
    const progress: { push?: (done: number) => void } = {};
    render(<Harness onFinished={finished} progress={progress} />);
    expect(screen.getByText("Set status to Done")).toBeTruthy();

    await act(async () => {
      await vi.advanceTimersByTimeAsync(700);
    });
    expect(screen.getByText(/4,000 of 10,000 tasks \(40%\)/)).toBeTruthy();
    // A late, older poll answer does not move it back; the live feed moves it on.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(700);
    });
    expect(screen.getByText(/4,000 of 10,000/)).toBeTruthy();
    act(() => progress.push?.(5_000));
    expect(screen.getByText(/5,000 of 10,000/)).toBeTruthy();
    expect(screen.getByRole("progressbar", { name: "Set status to Done: progress" })).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(
      fetch.mock.calls.some(([url, init]) => url.endsWith(`/jobs/${ID}`) && init?.method === "DELETE"),
    ).toBe(true);
    expect(screen.getByText("Cancelled after 6,000 of 10,000 tasks.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
    expect(finished).toHaveBeenCalledTimes(1);
    expect(finished.mock.calls[0]?.[0]).toMatchObject({ state: "cancelled", label: "Set status to Done" });
    // Finished jobs are polled no more.
    const calls = fetch.mock.calls.length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3_000);
    });
    expect(fetch.mock.calls.length).toBe(calls);
    fireEvent.click(screen.getByRole("button", { name: "Dismiss “Set status to Done”" }));
    expect(screen.queryByText("Set status to Done")).toBeNull();
  });
});

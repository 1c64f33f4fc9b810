// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { HistoryEntry } from "#contract/audit";
import { TaskDrawer } from "../../src/components/TaskDrawer";
import { describeEntry, TaskHistory, timeAgo } from "../../src/components/TaskHistory";
import { taskFixture } from "./support/task-fixture";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const entry = (overrides: Partial<HistoryEntry>): HistoryEntry => ({
  id: "1",
  at: new Date(Date.now() - 3 * 60_000).toISOString(),
  actor: { id: "u-alice", name: "alice", role: "editor" },
  action: "task.update",
  taskId: "42",
  changes: {},
  version: 2,
  ...overrides,
});

function api(pages: Record<string, unknown>) {
  const calls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      calls.push(url);
      const key = Object.keys(pages).find((part) => url.includes(part));
      if (!key) throw new Error(`unexpected call ${url}`);
      return Response.json(pages[key]);
    }),
  );
  return calls;
}

describe("the History tab", () => {
  it("when an entry changed a status, then it reads like a sentence with how long ago", () => {
    const text = describeEntry(entry({ changes: { status: { from: "todo", to: "done" } } }));
    expect(text).toBe("alice changed status todo → done");
    expect(timeAgo(new Date(Date.now() - 3 * 60_000).toISOString())).toBe("3 min ago");
    expect(describeEntry(entry({ action: "task.create" }))).toBe("alice created the task");
    expect(
      describeEntry(
        entry({ changes: { tags: { from: [], to: ["a", "b"] }, assignee: { from: "bo", to: null } } }),
      ),
    ).toBe("alice changed tags none → a, b, assignee bo → none");
  });

  it("when there are older pages, then Show older changes appends them in order", async () => {
    const calls = api({
      "cursor=c1": { items: [entry({ id: "1", action: "task.create", version: 1 })], nextCursor: null },
      "/tasks/42/history": {
        items: [entry({ id: "2", changes: { status: { from: "todo", to: "done" } } })],
        nextCursor: "c1",
      },
    });
    render(<TaskHistory taskId="42" version={2} />);
    expect(await screen.findByText("alice changed status todo → done")).toBeTruthy();
    expect(screen.getByText("3 min ago")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Show older changes" }));
    expect(await screen.findByText("alice created the task")).toBeTruthy();
    expect(screen.getAllByRole("listitem").map((item) => item.textContent)).toEqual([
      "alice changed status todo → done3 min ago",
      "alice created the task3 min ago",
    ]);
    expect(calls).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Show older changes" })).toBeNull();
  });

  it("when the drawer's History tab is chosen, then the form gives way to the task's history", async () => {
    const task = taskFixture({ id: "42", title: "Ship it", version: 2 });
    api({
      "/tasks/42/history": {
        items: [entry({ changes: { title: { from: "Ship", to: "Ship it" } } })],
        nextCursor: null,
      },
      "/tasks/42": task,
    });
    const noop = vi.fn();
    render(
      <TaskDrawer
        taskId="42"
        optimistic={{ edit: vi.fn(() => vi.fn()), remove: vi.fn(() => vi.fn()) }}
        onClose={noop}
        onCreated={noop}
        onSaved={noop}
        onDelete={noop}
      />,
    );
    fireEvent.click(await screen.findByRole("tab", { name: "History" }));
    expect(await screen.findByText("alice changed title Ship → Ship it")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Save changes" })).toBeNull();
    fireEvent.click(screen.getByRole("tab", { name: "Details" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Save changes" })).toBeTruthy());
  });
});

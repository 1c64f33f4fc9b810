// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Task } from "#contract/schemas";
import { TaskDrawer } from "../../src/components/TaskDrawer";
import { taskFixture } from "./support/task-fixture";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const stored: Task = taskFixture({ id: "42", title: "Ship it", version: 4 });

type Handler = (url: string, init: RequestInit) => Response;

/** A scripted API: each call is answered by the next handler. */
function scriptedApi(...handlers: Handler[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init });
      const handler = handlers.shift();
      if (!handler) throw new Error(`unexpected call ${url}`);
      return handler(url, init);
    }),
  );
  return calls;
}

const getOk = () => Response.json(stored, { headers: { etag: `"${stored.version}"` } });

function renderDrawer(taskId = "42") {
  const optimistic = { edit: vi.fn(() => vi.fn()), remove: vi.fn(() => vi.fn()) };
  const props = {
    taskId,
    optimistic,
    onClose: vi.fn(),
    onCreated: vi.fn(),
    onSaved: vi.fn(),
    onDelete: vi.fn(),
  };
  render(<TaskDrawer {...props} />);
  return props;
}

describe("TaskDrawer", () => {
  it("when the API rejects a field, then its message is shown next to that field and the edit is rolled back", async () => {
    const undo = vi.fn();
    scriptedApi(getOk, () =>
      Response.json(
        {
          error: {
            code: "validation_failed",
            message: "Invalid",
            details: [{ path: "title", message: "title must not be blank" }],
          },
        },
        { status: 400 },
      ),
    );
    const props = renderDrawer();
    props.optimistic.edit.mockReturnValue(undo);
    const title = await screen.findByLabelText("Title");
    fireEvent.change(title, { target: { value: "  " } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save changes" })));
    expect(await screen.findByText("title must not be blank")).toBeTruthy();
    expect(title.getAttribute("aria-invalid")).toBe("true");
    expect(title.getAttribute("aria-describedby")).toBe("task-title-error");
    expect(props.optimistic.edit).toHaveBeenCalledWith(expect.objectContaining({ id: "42", title: "" }));
    expect(undo).toHaveBeenCalled();
    expect(props.onSaved).not.toHaveBeenCalled();
  });

  it("when saving a stale version, then the 412 is explained and Reload fetches the current task", async () => {
    const newer = { ...stored, title: "Ship it today", version: 5 };
    const calls = scriptedApi(
      getOk,
      () => Response.json({ error: { code: "precondition_failed", message: "stale" } }, { status: 412 }),
      () => Response.json(newer, { headers: { etag: '"5"' } }),
    );
    renderDrawer();
    fireEvent.change(await screen.findByLabelText("Title"), { target: { value: "Mine" } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save changes" })));
    expect(calls[1]?.init.headers).toMatchObject({ "if-match": '"4"' });
    expect(await screen.findByText(/Someone else changed this task/)).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Reload task" })));
    await waitFor(() =>
      expect((screen.getByLabelText("Title") as HTMLInputElement).value).toBe("Ship it today"),
    );
    expect(screen.queryByText(/Someone else changed this task/)).toBeNull();
  });

  it("when an edit succeeds, then the saved task is reported and the form shows the new version", async () => {
    const saved = { ...stored, status: "done" as const, version: 5 };
    scriptedApi(getOk, () => Response.json(saved, { headers: { etag: '"5"' } }));
    const props = renderDrawer();
    fireEvent.change(await screen.findByLabelText("Status"), { target: { value: "done" } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save changes" })));
    await waitFor(() => expect(props.onSaved).toHaveBeenCalledWith(saved));
    expect(screen.getByText(/version 5/)).toBeTruthy();
  });

  it("when creating, then the task is posted with an idempotency key and reported", async () => {
    const created = { ...stored, id: "43", title: "Fresh" };
    const calls = scriptedApi(() => Response.json(created, { status: 201 }));
    const props = renderDrawer("new");
    fireEvent.change(screen.getByLabelText("Title"), { target: { value: "Fresh" } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Create task" })));
    await waitFor(() => expect(props.onCreated).toHaveBeenCalledWith(created));
    expect(calls[0]?.init.method).toBe("POST");
    expect((calls[0]?.init.headers as Record<string, string> | undefined)?.["idempotency-key"]).toMatch(
      /.{8,}/,
    );
  });

  it("when Delete is pressed, then the confirmation takes focus and confirming hands the task over", async () => {
    scriptedApi(getOk);
    const props = renderDrawer();
    fireEvent.click(await screen.findByRole("button", { name: "Delete" }));
    expect(document.activeElement?.textContent).toBe("Keep it");
    fireEvent.click(screen.getByRole("button", { name: "Keep it" }));
    expect(document.activeElement?.textContent).toBe("Delete");
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete task" }));
    expect(props.onDelete).toHaveBeenCalledWith(stored);
  });

  it("when Escape is pressed with unsaved edits, then the drawer asks first and keeps them", async () => {
    scriptedApi(getOk);
    const props = renderDrawer();
    const title = await screen.findByLabelText("Title");
    fireEvent.change(title, { target: { value: "Ship it today" } });
    fireEvent.keyDown(title, { key: "Escape" });
    expect(props.onClose).not.toHaveBeenCalled();
    expect(screen.getByText(/unsaved changes/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Keep editing" }));
    expect((screen.getByLabelText("Title") as HTMLInputElement).value).toBe("Ship it today");
    fireEvent.keyDown(screen.getByLabelText("Title"), { key: "Escape" });
    fireEvent.click(screen.getByRole("button", { name: "Discard changes" }));
    expect(props.onClose).toHaveBeenCalled();
  });

  it("when a title is too long, then the browser says so in words before any request", async () => {
    const calls = scriptedApi(getOk);
    renderDrawer();
    const title = await screen.findByLabelText("Title");
    fireEvent.change(title, { target: { value: "x".repeat(212) } });
    expect(screen.getByText("212 / 200 (too long)")).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save changes" })));
    expect(await screen.findByText("At most 200 characters; this has 212.")).toBeTruthy();
    expect(calls).toHaveLength(1);
  });

  it("when the task does not exist, then the drawer says so", async () => {
    scriptedApi(() =>
      Response.json({ error: { code: "not_found", message: "no task 42" } }, { status: 404 }),
    );
    renderDrawer();
    expect(await screen.findByText(/does not exist/)).toBeTruthy();
  });

  it("when Escape is pressed, then the drawer closes", async () => {
    scriptedApi(getOk);
    const props = renderDrawer();
    fireEvent.keyDown(await screen.findByLabelText("Title"), { key: "Escape" });
    expect(props.onClose).toHaveBeenCalled();
  });
});

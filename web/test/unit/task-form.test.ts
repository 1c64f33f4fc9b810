import { describe, expect, it } from "vitest";
import { MAX_ASSIGNEE, MAX_DESCRIPTION, MAX_TAG, MAX_TAGS, MAX_TITLE } from "#contract/constants";
import type { Task } from "#contract/schemas";
import {
  applyPatch,
  EMPTY_FORM,
  FIELD_LIMITS,
  formFromTask,
  friendlyFieldErrors,
  fromLocalInput,
  newTaskFromForm,
  parseTags,
  patchFromForm,
  toLocalInput,
} from "../../src/lib/task-form";

const task: Task = {
  id: "7",
  title: "Write report",
  description: "quarterly",
  status: "todo",
  priority: "high",
  assignee: "ana",
  tags: ["ops", "q3"],
  dueAt: "2026-03-01T09:30:00.000Z",
  expiresAt: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-02T00:00:00.000Z",
  version: 3,
};

describe("task form", () => {
  it("when nothing is edited, then the patch is empty", () => {
    expect(patchFromForm(task, formFromTask(task))).toEqual({});
  });

  it("when fields are edited, then only those are in the patch", () => {
    const values = { ...formFromTask(task), status: "done" as const, tags: "ops, q4 ,", assignee: "" };
    expect(patchFromForm(task, values)).toEqual({ status: "done", tags: ["ops", "q4"], assignee: null });
  });

  it("when the title is blank, then it is still sent, for the API to explain", () => {
    expect(patchFromForm(task, { ...formFromTask(task), title: "   " })).toEqual({ title: "   " });
  });

  it("when a due date is entered in local time, then it round-trips through an ISO instant", () => {
    const local = toLocalInput(task.dueAt);
    expect(fromLocalInput(local)).toBe(task.dueAt);
    expect(fromLocalInput("")).toBeNull();
  });

  it("when creating from an empty form, then defaults map to API values", () => {
    expect(newTaskFromForm({ ...EMPTY_FORM, title: "New" })).toEqual({
      title: "New",
      description: "",
      status: "todo",
      priority: "medium",
      assignee: null,
      tags: [],
      dueAt: null,
    });
  });

  it("when a patch is applied optimistically, then the row shows the new values", () => {
    expect(applyPatch(task, { title: " Renamed ", status: "done" })).toMatchObject({
      title: "Renamed",
      status: "done",
      version: 3,
    });
    expect(parseTags(" a, ,b ")).toEqual(["a", "b"]);
  });
});

describe("limits and messages", () => {
  it("when the API's limits are compared, then the form's copies equal them", () => {
    expect(FIELD_LIMITS).toEqual({
      title: MAX_TITLE,
      description: MAX_DESCRIPTION,
      tags: MAX_TAGS,
      tag: MAX_TAG,
      assignee: MAX_ASSIGNEE,
    });
  });

  it("when the API answers with zod's wording, then the person reads plain words", () => {
    const values = { ...EMPTY_FORM, title: "t".repeat(205) };
    expect(
      friendlyFieldErrors(
        {
          title: "Too big: expected string to have <=200 characters",
          tags: "Too big: expected array to have <=10 items",
          dueAt: "Invalid ISO datetime",
          status: "something else",
        },
        values,
      ),
    ).toEqual({
      title: "At most 200 characters; this has 205.",
      tags: "At most 10 tags.",
      dueAt: "Enter a valid date and time.",
      status: "something else",
    });
  });
});

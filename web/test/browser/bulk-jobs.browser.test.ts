// Work on many tasks at once, as a person does it: select all matching, set a status for all of
// them as one background job and watch it finish; delete a few after a confirmation; export the
// view and download the file; import a CSV, first with a bad line (nothing imported, the problem
// shown by line and column), then fixed.
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Task } from "#contract/schemas";
import { createTask, listTasks, runTag, track } from "./support/api-client";
import { screenshot } from "./support/browser";
import { waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl, liveWsUrl } from "./support/site";

const api = apiUrl();
process.env.PUBLIC_WS_URL = liveWsUrl();
const { open } = setUpGridSession(api);

async function tasks(tag: string, count: number, extra: Partial<Task> = {}): Promise<Task[]> {
  const made: Task[] = [];
  for (let index = 0; index < count; index++)
    made.push(await createTask(api, { title: `t${index} ${tag}`, tags: [tag], status: "todo", ...extra }));
  return made;
}

/** Waits for the newest job in the panel to end, and returns its state and text. */
/**
 * The newest job once it has ended. `seen`: how many jobs the panel listed before this one was
 * started, so an earlier job that already ended is never taken for it (the newest is listed first).
 */
async function finishedJob(page: Page, seen = 0, timeout = 30_000): Promise<{ state: string; text: string }> {
  const ended = await page.waitForFunction(
    (before) => {
      const jobs = document.querySelectorAll('[data-testid="job"]');
      const state = jobs[0]?.getAttribute("data-job-state") ?? "";
      return jobs.length > before && ["completed", "failed", "cancelled"].includes(state) ? state : null;
    },
    seen,
    { timeout },
  );
  return {
    state: (await ended.jsonValue()) ?? "",
    text: (await page.getByTestId("job").first().innerText()).replace(/\s+/g, " "),
  };
}

async function statuses(page: Page): Promise<string[]> {
  return page.$$eval("tr.grid-row[data-task-id] td.col-status .badge", (cells) =>
    cells.map((cell) => cell.textContent ?? ""),
  );
}

describe("bulk edits as jobs", () => {
  it("when all matching tasks get a new status, then a job shows its progress, finishes, and the grid shows the change", async () => {
    const tag = runTag();
    await tasks(tag, 30);
    const { page, errors } = await open(`/?tag=${tag}`);
    await page.getByRole("checkbox", { name: "Select all 30 matching tasks" }).click();
    expect(await page.locator(".selection-count").textContent()).toBe("30 tasks selected");
    await page.getByLabel("Set status of the selected tasks").selectOption("done");
    const job = page.getByTestId("job").first();
    await job.waitFor();
    expect(await job.innerText()).toContain("Set status to Done");
    const { state, text } = await finishedJob(page);
    expect(state).toBe("completed");
    expect(text).toContain("30 tasks changed");
    await screenshot(page, "bulk-job-finished");
    // The grid reloads by itself: every row now says Done, and the selection is gone.
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll("tr.grid-row[data-task-id] td.col-status .badge")];
      return cells.length > 0 && cells.every((cell) => cell.textContent === "Done");
    });
    expect(new Set(await statuses(page))).toEqual(new Set(["Done"]));
    expect(await page.locator(".selection-bar").count()).toBe(0);
    const page1 = await listTasks(api, `tag=${tag}&status=done&limit=50`);
    expect(page1.items).toHaveLength(30);
    await page.getByRole("button", { name: "Dismiss “Set status to Done”" }).click();
    expect(await page.getByTestId("job").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when a tag is added to a hand-picked range and two tasks deleted after confirming, then only those change", async () => {
    const tag = runTag();
    await tasks(tag, 4);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(
      page,
      [3, 2, 1, 0].map((n) => `t${n} ${tag}`),
    );
    await page.getByRole("checkbox", { name: `Select “t3 ${tag}”` }).click();
    await page.getByRole("checkbox", { name: `Select “t2 ${tag}”` }).click({ modifiers: ["Shift"] });
    await page.getByLabel("Tag to add to or remove from the selected tasks").fill(`x${tag}`);
    await page.getByRole("button", { name: "Add tag" }).click();
    expect((await finishedJob(page)).state).toBe("completed");
    expect((await listTasks(api, `tag=x${tag}`)).items.map((task) => task.title).sort()).toEqual([
      `t2 ${tag}`,
      `t3 ${tag}`,
    ]);

    await page.getByRole("checkbox", { name: `Select “t1 ${tag}”` }).click();
    await page.getByRole("checkbox", { name: `Select “t0 ${tag}”` }).click();
    await page.getByRole("button", { name: "Delete…" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Confirm delete" });
    expect(await confirm.innerText()).toContain("Delete 2 tasks? This cannot be undone.");
    // The safe choice has the focus.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Keep them");
    const jobsBefore = await page.getByTestId("job").count();
    await confirm.getByRole("button", { name: "Delete 2 tasks" }).click();
    expect((await finishedJob(page, jobsBefore)).state).toBe("completed");
    await waitForTitles(page, [`t3 ${tag}`, `t2 ${tag}`]);
    expect((await listTasks(api, `tag=${tag}`)).items).toHaveLength(2);
    await page.close();
  });
});

describe("export and import", () => {
  it("when the view is exported as CSV, then the file downloads with every matching task", async () => {
    const tag = runTag();
    await tasks(tag, 3);
    await createTask(api, { title: `other ${tag}`, tags: [tag], status: "done" });
    const { page } = await open(`/?tag=${tag}&status=todo`);
    await waitForTitles(
      page,
      [2, 1, 0].map((n) => `t${n} ${tag}`),
    );
    const downloading = page.waitForEvent("download", { timeout: 30_000 });
    await page.getByLabel("Export the view").selectOption("csv");
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const text = await readFile((await download.path()) ?? "", "utf8");
    const lines = text.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^id,title,/);
    expect(lines).toHaveLength(4);
    for (const n of [0, 1, 2]) expect(text).toContain(`t${n} ${tag}`);
    expect(text).not.toContain(`other ${tag}`);
    expect((await finishedJob(page)).text).toContain("3 tasks exported");
    await screenshot(page, "export-finished");
    await page.close();
  });

  it("when a CSV with a bad line is imported, then nothing is imported and the problem is shown by line and column; fixed, it imports", async () => {
    const tag = runTag();
    const { page, errors } = await open(`/?tag=${tag}`);
    await page.getByText("No tasks match these filters").waitFor();
    const csv = (status: string) =>
      [
        "title,status,priority,tags",
        `first ${tag},todo,high,"[""${tag}""]"`,
        `second ${tag},${status},low,"[""${tag}""]"`,
        `third ${tag},done,urgent,"[""${tag}""]"`,
      ].join("\n");
    const choose = async (body: string) => {
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Import CSV…" }).click();
      await (await chooser).setFiles({ name: "tasks.csv", mimeType: "text/csv", buffer: Buffer.from(body) });
    };

    await choose(csv("sleeping"));
    const refused = page.locator(".import-errors");
    await refused.waitFor();
    expect(await refused.getByRole("heading").innerText()).toMatch(
      /Nothing was imported from tasks\.csv: 1 problem/,
    );
    const row = await refused.locator("tbody tr").first().locator("td").allInnerTexts();
    expect(row.slice(0, 2)).toEqual(["3", "status"]);
    await screenshot(page, "import-refused");
    expect((await listTasks(api, `tag=${tag}`)).items).toHaveLength(0);

    await choose(csv("blocked"));
    expect((await finishedJob(page)).state).toBe("completed");
    expect(await page.locator(".import-errors").count()).toBe(0);
    await waitForTitles(page, [`third ${tag}`, `second ${tag}`, `first ${tag}`]);
    for (const task of (await listTasks(api, `tag=${tag}`)).items) track(task.id);
    expect(errors).toEqual([]);
    await page.close();
  });
});

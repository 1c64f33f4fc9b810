// Finding and changing tasks through the UI, against the real API. Each run tags its own tasks
// and looks at them through the tag filter, so the rest of the table does not matter.
import { describe, expect, it } from "vitest";
import type { Task } from "#contract/schemas";
import { apiJson, createTask, runTag, track } from "./support/api-client";
import { screenshot } from "./support/browser";
import { LOADED_ROW, positionLabel, visibleTitles, waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl } from "./support/site";

const api = apiUrl();
const { open } = setUpGridSession(api);

/** Three tasks of this run, created oldest first. */
async function threeTasks(tag: string): Promise<Task[]> {
  const tasks: Task[] = [];
  for (const [title, status, priority] of [
    [`bravo ${tag}`, "todo", "low"],
    [`alpha ${tag}`, "done", "urgent"],
    [`charlie ${tag}`, "blocked", "medium"],
  ] as const) {
    tasks.push(await createTask(api, { title, status, priority, tags: [tag] }));
  }
  return tasks;
}

describe("finding tasks", () => {
  it("when a header is clicked, then rows sort by it, the icon shows the direction and the URL keeps it", async () => {
    const tag = runTag();
    await threeTasks(tag);
    const { page, errors } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [`charlie ${tag}`, `alpha ${tag}`, `bravo ${tag}`]); // newest first
    expect(await positionLabel(page)).toBe("rows 1–3 of 3");

    await page.getByRole("button", { name: /^Sort by Title/ }).click();
    await waitForTitles(page, [`alpha ${tag}`, `bravo ${tag}`, `charlie ${tag}`]);
    expect(await page.getAttribute("th.col-title", "aria-sort")).toBe("ascending");
    await page.getByRole("button", { name: /^Sort by Title/ }).click();
    await waitForTitles(page, [`charlie ${tag}`, `bravo ${tag}`, `alpha ${tag}`]);
    expect(await page.getAttribute("th.col-title", "aria-sort")).toBe("descending");
    await page.waitForURL(/sort=-title/);

    await page.reload();
    await waitForTitles(page, [`charlie ${tag}`, `bravo ${tag}`, `alpha ${tag}`]);
    await screenshot(page, "sorted-by-title");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when status and priority filters are pressed, then only matching tasks remain", async () => {
    const tag = runTag();
    await threeTasks(tag);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [`charlie ${tag}`, `alpha ${tag}`, `bravo ${tag}`]);
    await page.getByRole("button", { name: "Done", exact: true }).click();
    await waitForTitles(page, [`alpha ${tag}`]);
    await page.waitForURL(/status=done/);
    await page.getByRole("button", { name: "Done", exact: true }).click();
    await page.getByRole("button", { name: "Low", exact: true }).click();
    await waitForTitles(page, [`bravo ${tag}`]);
    await page.waitForURL(/priority=low/);
    await page.close();
  });

  it("when the tag filter is typed, then the grid narrows to that tag after the pause", async () => {
    const tag = runTag();
    await threeTasks(tag);
    const { page } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    await page.getByLabel("Tag", { exact: true }).fill(tag);
    await waitForTitles(page, [`charlie ${tag}`, `alpha ${tag}`, `bravo ${tag}`]);
    await page.waitForURL(new RegExp(`tag=${tag}`));
    await page.close();
  });

  it("when searching, then the box shows the pending search, old rows stay until the answer, and matches appear", async () => {
    const tag = runTag();
    await threeTasks(tag);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [`charlie ${tag}`, `alpha ${tag}`, `bravo ${tag}`]);
    // Count loaded rows every frame: the grid must never go blank between the two answers.
    await page.evaluate(() => {
      const w = window as unknown as { __minRows: number; __stop: boolean };
      w.__minRows = Number.POSITIVE_INFINITY;
      const frame = () => {
        w.__minRows = Math.min(w.__minRows, document.querySelectorAll("tr.grid-row[data-task-id]").length);
        if (!w.__stop) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await page.getByLabel("Search task titles").pressSequentially("alph", { delay: 40 });
    expect(await page.locator(".search.pending").count()).toBe(1);
    await waitForTitles(page, [`alpha ${tag}`]);
    const minRows = await page.evaluate(() => {
      const w = window as unknown as { __minRows: number; __stop: boolean };
      w.__stop = true;
      return w.__minRows;
    });
    expect(minRows).toBeGreaterThan(0);
    await page.waitForURL(/q=alph/);
    await page.close();
  });

  it("when nothing matches, then the empty state says why and Clear filters brings tasks back", async () => {
    const tag = runTag();
    const { page } = await open(`/?tag=${tag}`);
    await page.getByText("No tasks match these filters").waitFor();
    await screenshot(page, "empty-no-matches");
    await page.getByRole("button", { name: "Clear filters" }).first().click();
    await page.waitForSelector(LOADED_ROW);
    await page.waitForURL((url) => !url.search.includes("tag="));
    expect(await page.getByLabel("Tag", { exact: true }).inputValue()).toBe("");
    expect(await page.locator(".search.pending").count()).toBe(0);
    await page.close();
  });
});

describe("changing tasks", () => {
  it("when a task is created with a blank title, then the API's message shows at the field; fixed, it is created", async () => {
    const tag = runTag();
    const { page, errors } = await open(`/?tag=${tag}`);
    await page.getByRole("button", { name: "New task" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Title").fill("   ");
    await dialog.getByLabel("Tags (comma-separated)").fill(tag);
    await dialog.getByRole("button", { name: "Create task" }).click();
    await dialog.locator("#task-title-error").waitFor();
    expect(await dialog.locator("#task-title-error").textContent()).toMatch(/blank/);
    expect(await dialog.getByLabel("Title").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "create-validation");

    await dialog.getByLabel("Title").fill(`created ${tag}`);
    await dialog.getByRole("button", { name: "Create task" }).click();
    await dialog.getByRole("heading", { name: /^Task #\d+$/ }).waitFor();
    const id = (await dialog.getByRole("heading").textContent())?.replace("Task #", "") ?? "";
    track(id);
    const stored = await apiJson<Task>(api, `/tasks/${id}`);
    expect(stored.body.title).toBe(`created ${tag}`);
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await waitForTitles(page, [`created ${tag}`]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when a task is edited, then the row shows the change and the API has it", async () => {
    const tag = runTag();
    const [, alpha] = await threeTasks(tag);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [`charlie ${tag}`, `alpha ${tag}`, `bravo ${tag}`]);
    await page.locator(`tr[data-task-id="${alpha?.id}"]`).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Title").fill(`alpha edited ${tag}`);
    await dialog.getByLabel("Status").selectOption("in_progress");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await dialog.getByText("Saved.").waitFor();
    await waitForTitles(page, [`charlie ${tag}`, `alpha edited ${tag}`, `bravo ${tag}`]);
    const stored = await apiJson<Task>(api, `/tasks/${alpha?.id}`);
    expect(stored.body).toMatchObject({ title: `alpha edited ${tag}`, status: "in_progress", version: 2 });
    await screenshot(page, "edit-saved");
    await page.close();
  });

  it("when someone else saved first, then the 412 is explained and Reload shows their version", async () => {
    const tag = runTag();
    const [bravo] = await threeTasks(tag);
    const { page } = await open(`/?tag=${tag}&task=${bravo?.id}`);
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Title").waitFor();
    const theirs = await apiJson<Task>(api, `/tasks/${bravo?.id}`, {
      method: "PATCH",
      headers: { "if-match": `"${bravo?.version}"` },
      body: JSON.stringify({ title: `bravo theirs ${tag}` }),
    });
    expect(theirs.status).toBe(200);
    await dialog.getByLabel("Title").fill(`bravo mine ${tag}`);
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await dialog.getByText("Someone else changed this task").waitFor();
    await screenshot(page, "conflict-412");
    // The optimistic title was rolled back.
    await page.waitForFunction(
      ([id, title]) => document.querySelector(`tr[data-task-id="${id}"] .title-text`)?.textContent !== title,
      [bravo?.id, `bravo mine ${tag}`],
    );
    await dialog.getByRole("button", { name: "Reload task" }).click();
    await page.waitForFunction(
      (title) => (document.querySelector("#task-title") as HTMLInputElement | null)?.value === title,
      `bravo theirs ${tag}`,
    );
    expect(await dialog.getByText("Someone else changed this task").count()).toBe(0);
    await page.close();
  });

  it("when a task is deleted, then its row goes away and the API no longer has it", async () => {
    const tag = runTag();
    const [, , charlie] = await threeTasks(tag);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [`charlie ${tag}`, `alpha ${tag}`, `bravo ${tag}`]);
    await page.locator(`tr[data-task-id="${charlie?.id}"]`).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.getByRole("button", { name: "Delete task" }).click();
    await dialog.waitFor({ state: "detached" });
    await waitForTitles(page, [`alpha ${tag}`, `bravo ${tag}`]);
    expect((await apiJson(api, `/tasks/${charlie?.id}`)).status).toBe(404);
    expect(await visibleTitles(page)).not.toContain(`charlie ${tag}`);
    await page.close();
  });
});

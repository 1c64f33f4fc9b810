// Selecting tasks and arranging columns as a person does: click and shift-click a range,
// Ctrl-click, the keyboard (Space, Shift+arrows), "select all N matching" (which loads no rows),
// then widening, hiding and reordering columns, which the next visit keeps.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Task } from "#contract/schemas";
import { createTask, runTag } from "./support/api-client";
import { screenshot } from "./support/browser";
import { countListRequests, LOADED_ROW, waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl } from "./support/site";

const api = apiUrl();
const { open } = setUpGridSession(api);

/** `count` tasks of this run, "t0" oldest (so the grid, newest first, shows the last on top). */
async function tasks(tag: string, count: number): Promise<Task[]> {
  const made: Task[] = [];
  for (let index = 0; index < count; index++)
    made.push(await createTask(api, { title: `t${index} ${tag}`, tags: [tag] }));
  return made;
}

async function selectedText(page: Page): Promise<string> {
  return (await page.locator(".selection-count").textContent()) ?? "";
}

/** Titles of the rows marked selected, top to bottom. */
async function pickedTitles(page: Page): Promise<string[]> {
  return page.$$eval('tr.grid-row[aria-selected="true"] .title-text', (cells) =>
    cells.map((cell) => cell.textContent ?? ""),
  );
}

describe("selecting tasks", () => {
  it("when a row is clicked and another shift-clicked, then the range between is selected; Ctrl-click toggles one", async () => {
    const tag = runTag();
    await tasks(tag, 6);
    const { page, errors } = await open(`/?tag=${tag}`);
    await waitForTitles(
      page,
      [5, 4, 3, 2, 1, 0].map((n) => `t${n} ${tag}`),
    );
    await page.getByRole("checkbox", { name: `Select “t4 ${tag}”` }).click();
    await page.getByRole("checkbox", { name: `Select “t1 ${tag}”` }).click({ modifiers: ["Shift"] });
    expect(await selectedText(page)).toBe("4 tasks selected");
    expect(await pickedTitles(page)).toEqual([4, 3, 2, 1].map((n) => `t${n} ${tag}`));

    // Ctrl-click on a row (not its box) toggles it without opening the drawer.
    await page
      .locator("tr.grid-row", { hasText: `t3 ${tag}` })
      .locator("td.col-title")
      .click({ modifiers: ["Control"] });
    expect(await selectedText(page)).toBe("3 tasks selected");
    expect(await page.getByRole("dialog").count()).toBe(0);
    // A shift-click on a row extends from the last toggled row.
    await page
      .locator("tr.grid-row", { hasText: `t5 ${tag}` })
      .locator("td.col-title")
      .click({ modifiers: ["Shift"] });
    expect(await pickedTitles(page)).toEqual([5, 4, 3, 2, 1].map((n) => `t${n} ${tag}`));
    await screenshot(page, "selection-range");

    await page.getByRole("button", { name: "Clear selection" }).click();
    expect(await page.locator(".selection-bar").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the keyboard is used, then Space toggles the row, Shift+arrows extend and Escape clears", async () => {
    const tag = runTag();
    await tasks(tag, 5);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(
      page,
      [4, 3, 2, 1, 0].map((n) => `t${n} ${tag}`),
    );
    await page.locator(".grid-table").focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Space");
    expect(await pickedTitles(page)).toEqual([`t3 ${tag}`]);
    await page.keyboard.press("Shift+ArrowDown");
    await page.keyboard.press("Shift+ArrowDown");
    expect(await pickedTitles(page)).toEqual([3, 2, 1].map((n) => `t${n} ${tag}`));
    await page.keyboard.press("Shift+ArrowUp");
    expect(await pickedTitles(page)).toEqual([3, 2].map((n) => `t${n} ${tag}`));
    // The selection is announced in words, and the grid says it allows several.
    expect(await page.getByRole("status").filter({ hasText: "2 tasks selected" }).count()).toBe(1);
    expect(await page.getAttribute("#task-grid", "aria-multiselectable")).toBe("true");
    await page.keyboard.press("Escape");
    expect(await pickedTitles(page)).toEqual([]);
    await page.close();
  });

  it("when all matching are selected, then the count is the view's total, no row is loaded for it, and unticking one excepts it", async () => {
    const tag = runTag();
    await tasks(tag, 3);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(
      page,
      [2, 1, 0].map((n) => `t${n} ${tag}`),
    );
    await page.getByRole("checkbox", { name: `Select “t0 ${tag}”` }).click();
    const requests = countListRequests(page, api);
    await page.getByRole("button", { name: "Select all 3 matching" }).click();
    expect(await selectedText(page)).toBe("3 tasks selected");
    expect(requests.stop()).toBe(0);
    await page.getByRole("checkbox", { name: `Select “t1 ${tag}”` }).click();
    expect(await selectedText(page)).toBe("2 tasks selected");
    expect(await pickedTitles(page)).toEqual([`t2 ${tag}`, `t0 ${tag}`]);

    // The header box: with some selected it clears; with none it selects every match.
    await page.getByRole("checkbox", { name: "Clear the selection" }).click();
    expect(await page.locator(".selection-bar").count()).toBe(0);
    await page.getByRole("checkbox", { name: "Select all 3 matching tasks" }).click();
    expect(await selectedText(page)).toBe("3 tasks selected");
    // Another filter is another set of rows: the selection does not follow.
    await page.getByRole("button", { name: "Done", exact: true }).click();
    await page.waitForURL(/status=done/);
    await page.locator(".selection-bar").waitFor({ state: "detached" });
    await page.close();
  });

  it("when a viewer selects tasks, then the edits are disabled and say why", async () => {
    const tag = runTag();
    await tasks(tag, 1);
    const { page } = await open(`/?tag=${tag}`);
    await page.waitForSelector(LOADED_ROW);
    await page.getByLabel("Signed in as").selectOption({ label: "Vera Viewer (viewer)" });
    await page.waitForSelector(LOADED_ROW);
    await page.getByRole("checkbox", { name: `Select “t0 ${tag}”` }).click();
    const deleteButton = page.getByRole("button", { name: "Delete…" });
    expect(await deleteButton.isDisabled()).toBe(true);
    expect(await deleteButton.getAttribute("title")).toMatch(/viewer/);
    await page.close();
  });
});

describe("arranging columns", () => {
  it("when a column is widened by its edge and another hidden and moved, then the grid shows it and the next visit keeps it", async () => {
    const tag = runTag();
    await tasks(tag, 2);
    const { page, errors } = await open(`/?tag=${tag}`);
    await page.waitForSelector(LOADED_ROW);
    const width = () => page.$eval("th.col-status", (cell) => Math.round(cell.getBoundingClientRect().width));
    const before = await width();
    const handle = await page.getByRole("separator", { name: "Resize the Status column" }).boundingBox();
    if (!handle) throw new Error("no resize handle");
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + 80, handle.y + handle.height / 2, { steps: 8 });
    await page.mouse.up();
    expect(Math.abs((await width()) - (before + 80 - handle.width / 2 + 4))).toBeLessThanOrEqual(8);
    // The same by keyboard: the separator takes arrow keys.
    const widened = await width();
    await page.getByRole("separator", { name: "Resize the Status column" }).focus();
    await page.keyboard.press("ArrowLeft");
    expect(await width()).toBe(widened - 16);
    // Sorting is not triggered by the resize.
    expect(await page.getAttribute("th.col-status", "aria-sort")).toBeNull();

    await page.getByRole("button", { name: "Columns" }).click();
    await page.getByRole("checkbox", { name: "Tags" }).uncheck();
    await page.getByRole("button", { name: "Move Due left" }).click();
    // The keyboard stays on the moved column's button, so Enter moves it on.
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Move Due left");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Columns");
    expect(await page.locator("th.col-tags").count()).toBe(0);
    const headers = () =>
      page.$$eval("thead th", (cells) => cells.map((cell) => cell.className.split(" ")[0]));
    const arranged = await headers();
    expect(arranged.slice(0, 6)).toEqual([
      "col-select",
      "col-title",
      "col-status",
      "col-priority",
      "col-due",
      "col-assignee",
    ]);
    expect(await page.locator("tr.grid-row[data-task-id] td.col-tags").count()).toBe(0);
    await screenshot(page, "columns-arranged");

    await page.reload();
    await page.waitForSelector(LOADED_ROW);
    expect(await headers()).toEqual(arranged);
    expect(await width()).toBe(widened - 16);
    await page.getByRole("button", { name: "Columns" }).click();
    await page.getByRole("button", { name: "Reset columns" }).click();
    expect(await page.locator("th.col-tags").count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});

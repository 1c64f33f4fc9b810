// Saved views and facet counts as a person meets them: save the grid (filters, sort, columns)
// under a name, come back to it from the Views menu, share it by link with someone else, find the
// last view again on the next visit, and read in the filter chips how many tasks each would show.
import { describe, expect, it } from "vitest";
import { createTask, runTag } from "./support/api-client";
import { screenshot } from "./support/browser";
import { LOADED_ROW, waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl } from "./support/site";

const api = apiUrl();
const { open } = setUpGridSession(api);

describe("saved views", () => {
  it("when a view is saved and reopened from the menu, then its filters, sort and columns come back; its link opens it elsewhere", async () => {
    const tag = runTag();
    for (const [title, status] of [
      [`bravo ${tag}`, "todo"],
      [`alpha ${tag}`, "todo"],
      [`charlie ${tag}`, "done"],
    ] as const)
      await createTask(api, { title, status, tags: [tag] });
    const { page, errors } = await open(`/?tag=${tag}&status=todo&sort=title`);
    await waitForTitles(page, [`alpha ${tag}`, `bravo ${tag}`]);
    await page.getByRole("button", { name: "Columns" }).click();
    await page.getByRole("checkbox", { name: "Assignee" }).uncheck();
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Views" }).click();
    await page.getByLabel("Save this view as").fill(`To do ${tag}`);
    await page.getByRole("button", { name: "Save view" }).click();
    await page.getByRole("button", { name: `View: To do ${tag}` }).waitFor();
    await page.waitForURL(/view=[0-9a-f-]{36}/);
    await screenshot(page, "view-saved");

    // Somewhere else entirely: all tasks, every column.
    await page.goto(page.url().replace(/\?.*$/, "?sort=-createdAt"));
    await page.waitForSelector(LOADED_ROW);
    await page.getByRole("button", { name: "Columns" }).click();
    await page.getByRole("button", { name: "Reset columns" }).click();
    await page.keyboard.press("Escape");
    expect(await page.locator("th.col-assignee").count()).toBe(1);

    await page.getByRole("button", { name: "Views" }).click();
    await page.getByRole("button", { name: `To do ${tag}`, exact: true }).click();
    await waitForTitles(page, [`alpha ${tag}`, `bravo ${tag}`]);
    await page.waitForURL(/status=todo/);
    expect(await page.locator("th.col-assignee").count()).toBe(0);
    expect(await page.getAttribute("th.col-title", "aria-sort")).toBe("ascending");

    // Shared: the link opens the same grid for another person (a new browser profile, signed in
    // as the viewer).
    await page.getByRole("button", { name: `View: To do ${tag}` }).click();
    await page.getByRole("button", { name: `Share “To do ${tag}”` }).click();
    const link = await page.getByLabel("Link to share (copied)").inputValue();
    expect(link).toMatch(/\?view=[0-9a-f-]{36}$/);
    const other = await open(new URL(link).pathname + new URL(link).search);
    await other.page.getByLabel("Signed in as").selectOption({ label: "Vera Viewer (viewer)" });
    await waitForTitles(other.page, [`alpha ${tag}`, `bravo ${tag}`]);
    expect(await other.page.locator("th.col-assignee").count()).toBe(0);
    await other.page.getByRole("button", { name: `View: To do ${tag}` }).waitFor();
    await other.page.close();

    // Deleted, it leaves the menu and the URL.
    await page.getByRole("button", { name: `Delete view “To do ${tag}”` }).click();
    await page.waitForURL((url) => !url.search.includes("view="));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the site is opened bare, then it shows the view the person left last time", async () => {
    const tag = runTag();
    await createTask(api, { title: `only ${tag}`, tags: [tag] });
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [`only ${tag}`]);
    await page.waitForTimeout(400); // the URL is written once the view settles
    await page.goto(new URL("/", page.url()).href);
    await waitForTitles(page, [`only ${tag}`]);
    expect(page.url()).toContain(`tag=${tag}`);
    await page.close();
  });
});

describe("facet counts", () => {
  it("when a filter is applied, then the chips say how many tasks of it have each status and priority", async () => {
    const tag = runTag();
    for (const [status, priority] of [
      ["todo", "high"],
      ["todo", "low"],
      ["done", "high"],
    ] as const)
      await createTask(api, { title: `${status} ${priority} ${tag}`, status, priority, tags: [tag] });
    const { page, errors } = await open(`/?tag=${tag}`);
    await page.waitForSelector(LOADED_ROW);
    const count = async (id: string) =>
      ((await page.locator(`#${id}`).textContent()) ?? "").replace(/\s+/g, " ");
    await page.waitForFunction(() =>
      document.querySelector("#facet-status-todo")?.textContent?.startsWith("2"),
    );
    expect(await count("facet-status-todo")).toMatch(/^2 tasks/);
    expect(await count("facet-status-done")).toMatch(/^1 task/);
    expect(await count("facet-status-blocked")).toMatch(/^0 tasks/);
    expect(await count("facet-priority-high")).toMatch(/^2 tasks/);
    // The count describes the chip; its name stays the value alone.
    const todo = page.getByRole("button", { name: "To do", exact: true });
    expect(await todo.getAttribute("aria-describedby")).toBe("facet-status-todo");
    // Counts follow the filters: with Done pressed, High counts only the done one.
    await page.getByRole("button", { name: "Done", exact: true }).click();
    await page.waitForFunction(() =>
      document.querySelector("#facet-priority-high")?.textContent?.startsWith("1"),
    );
    await screenshot(page, "facet-counts");
    // Estimated counts are marked as such.
    const marks = await page.$$eval(".chip-count[data-exact]", (spans) =>
      spans.map(
        (span) =>
          (span.getAttribute("data-exact") === "true" ? "" : "~") ===
          (span.textContent?.startsWith("~") ? "~" : ""),
      ),
    );
    expect(marks.every(Boolean)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

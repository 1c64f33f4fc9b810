// Back and Forward as a person uses them: every view change (sort, filter, search, jump, an open
// task) is a step of its own, Back undoes them one by one and only leaves the app at the end.
import { describe, expect, it } from "vitest";
import { LOADED_ROW, positionRange, waitForVisibleRows } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl } from "./support/site";

const api = apiUrl();
const { open } = setUpGridSession(api);

describe("the browser's history", () => {
  it("when a sequence of view changes is made, then Back undoes them one at a time without leaving", async () => {
    const { page, errors } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    const start = page.url();

    await page.getByRole("button", { name: /^Sort by Title/ }).click();
    await page.waitForURL(/sort=title/);
    await page.getByRole("button", { name: "Blocked", exact: true }).click();
    await page.waitForURL(/status=blocked/);
    await page.getByLabel("Search task titles").pressSequentially("release", { delay: 30 });
    await page.waitForURL(/q=release/);
    // At once, as an impatient person would: a jump made while the search's rows are still loading
    // is where the search opens when they land (it used to open at its top and lose the jump).
    await page.getByLabel("Go to row").fill("500");
    await page.getByLabel("Go to row").press("Enter");
    // The search's rows, not the previous view's still on screen at that row.
    await page.waitForFunction(() => !document.querySelector(".summary .updating"));
    await page.waitForSelector('tr[data-row="499"][data-task-id]');
    await page.waitForURL(/row=\d+/);
    const jumpedTo = (await positionRange(page))[0];
    const id = await page.locator('tr[data-row="499"]').getAttribute("data-task-id");
    // That task's row, wherever a late refresh (live events of other tests' jobs) has moved it.
    await page.locator(`tr[data-task-id="${id}"]`).click();
    await page.getByRole("dialog").waitFor();
    await page.waitForURL(new RegExp(`task=${id}`));

    // Back 1: the task closes, the position is kept.
    await page.goBack();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(page.url()).not.toContain("task=");
    expect((await positionRange(page))[0]).toBe(jumpedTo);
    // Back 2: the jump is undone.
    await page.goBack();
    await page.waitForSelector('tr[data-row="0"][data-task-id]');
    await waitForVisibleRows(page);
    expect(page.url()).not.toMatch(/row=[1-9]/);
    // Back 3: the search (typed letter by letter) is one step.
    await page.goBack();
    await page.waitForURL((url) => !url.search.includes("q="));
    await page.waitForFunction(
      () => (document.querySelector("#task-search") as HTMLInputElement | null)?.value === "",
    );
    expect(page.url()).toMatch(/status=blocked/);
    // Back 4: the filter.
    await page.goBack();
    await page.waitForURL((url) => !url.search.includes("status="));
    expect(
      await page.getByRole("button", { name: "Blocked", exact: true }).getAttribute("aria-pressed"),
    ).toBe("false");
    // Back 5: the sort; the app's first entry again, still the app.
    await page.goBack();
    await page.waitForURL((url) => !url.search.includes("sort="));
    expect(page.url()).toBe(start);
    expect(await page.getAttribute("th.col-title", "aria-sort")).toBeNull();
    await page.waitForSelector(LOADED_ROW);

    // Forward replays them.
    await page.goForward();
    await page.waitForURL(/sort=title/);
    expect(await page.getAttribute("th.col-title", "aria-sort")).toBe("ascending");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when a task is opened and closed with its button, then Back does not reopen it", async () => {
    const { page } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    await page.getByRole("button", { name: /^Sort by Title/ }).click();
    await page.waitForURL(/sort=title/);
    await page.locator('tr[data-row="2"][data-task-id]').click();
    await page.getByRole("dialog").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).first().click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.goBack();
    await page.waitForURL((url) => !url.search.includes("sort="));
    expect(await page.getByRole("dialog").count()).toBe(0);
    await page.close();
  });
});

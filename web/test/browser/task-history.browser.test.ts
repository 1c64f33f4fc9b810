// The task drawer's History tab in a real browser against the real API: a change made in the
// drawer shows up in History as a sentence, with who made it.
import { describe, expect, it } from "vitest";
import { createTask, runTag } from "./support/api-client";
import { screenshot } from "./support/browser";
import { waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl } from "./support/site";

const api = apiUrl();
const { open } = setUpGridSession(api);

describe("the History tab", () => {
  it("when a task's status is changed in the drawer, then History says who changed it from what to what", async () => {
    const tag = runTag();
    const task = await createTask(api, { title: `history ${tag}`, tags: [tag], status: "todo" });
    const { page, errors } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [task.title]);
    await page.getByText(task.title).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Status").selectOption("done");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await dialog.getByText("Saved.").waitFor();
    await dialog.getByRole("tab", { name: "History" }).click();
    const items = dialog.locator(".history-list li");
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.nth(0).locator(".history-text").textContent()).toBe(
      "Alice Editor changed status todo → done",
    );
    expect(await items.nth(0).locator("time").textContent()).toMatch(/now|sec/);
    expect(await items.nth(1).locator(".history-text").textContent()).toMatch(/created the task$/);
    await screenshot(page, "task-history");
    await dialog.getByRole("tab", { name: "Details" }).click();
    await expect.poll(() => dialog.getByLabel("Status").inputValue()).toBe("done");
    expect(errors).toEqual([]);
    await page.close();
  });
});

// The operations page as its users meet it: an editor is told plainly that it needs the admin role;
// an admin sees every route's figures update live over the WebSocket, can work the page with the
// keyboard, and gets it in the light and the dark theme.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { withAuth } from "../../../functions/test/support/tokens";
import { createTask, runTag } from "./support/api-client";
import { setUpGridSession } from "./support/session";
import { apiUrl, liveWsUrl } from "./support/site";

const api = apiUrl();
// The build bakes in where the live figures come from.
process.env.PUBLIC_WS_URL = liveWsUrl();
const { open } = setUpGridSession(api);

async function signInAs(page: Page, pattern: RegExp): Promise<void> {
  const menu = page.getByRole("combobox", { name: "Signed in as" });
  await menu.waitFor();
  const option = (await menu.locator("option").allTextContents()).find((text) => pattern.test(text));
  if (!option) throw new Error(`no demo user matches ${pattern}`);
  await menu.selectOption({ label: option });
}

describe("the operations page", () => {
  it("when an editor opens /ops, then a clear message says it needs the admin role and no figures show", async () => {
    const { page, errors } = await open("/ops/");
    await signInAs(page, /\(editor\)/);
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toMatch(/Admins only.*admin role/s);
    expect(await page.getByRole("heading", { name: "Routes" }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("when an admin opens /ops, then the routes' figures arrive live over the WebSocket, keyboard and both themes included", async () => {
    const task = await createTask(api, { title: `ops ${runTag()}` });
    for (let i = 0; i < 5; i += 1) await fetch(`${api}/tasks/${task.id}`, withAuth({}, "viewer"));
    const { page, errors } = await open("/ops/");
    await signInAs(page, /\(admin\)/);
    await page.getByRole("heading", { name: "Routes" }).waitFor({ timeout: 15_000 });
    await page.getByText("Live over the WebSocket").waitFor({ timeout: 15_000 });
    await page.getByRole("rowheader", { name: "GET /tasks/{id}", exact: true }).waitFor({ timeout: 15_000 });
    const spark = page.getByRole("img", { name: /GET \/tasks\/\{id\} requests per second/ });
    expect(await spark.count()).toBe(1);

    // Live: a later read shows up without a reload (the page asks every 2 s over the socket).
    const updated = async () => (await page.locator(".ops-status").textContent()) ?? "";
    const before = await updated();
    await expect.poll(updated, { timeout: 10_000 }).not.toBe(before);

    // Keyboard: the window is a radio group; arrows move it and the table follows.
    await page.getByRole("radio", { name: "1 min", exact: true }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("radio", { name: "5 min", exact: true }).isChecked()).toBe(true);
    // The heat strip's cells are reachable and say what they hold.
    const cell = page.getByRole("button", { name: /^rows 1–/ });
    await cell.focus();
    expect(await cell.evaluate((element) => element === document.activeElement)).toBe(true);

    // Both themes: the page follows the system's colour scheme.
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: "light" });
    const light = await background();
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await background();
    expect(light).not.toBe(dark);
    expect(errors).toEqual([]);
  });
});

// The grid as a person uses it, item by item from issue 19: unsaved edits, the "changed
// elsewhere" notice, hover colours in both themes, keyboard focus, undo after delete, status lines,
// the phone layout, filters by due date with suggestions, and the smaller things.
import type { ConsoleMessage, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Task } from "#contract/schemas";
import { apiJson, createTask, listTasks, runTag, track } from "./support/api-client";
import { screenshot } from "./support/browser";
import { LOADED_ROW, waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl, liveWsUrl } from "./support/site";

const api = apiUrl();
// The site is built for this API and its WebSocket endpoint (the live bar is checked here).
process.env.PUBLIC_WS_URL = liveWsUrl();
const { open } = setUpGridSession(api);

async function oneTask(tag: string, title = `task ${tag}`): Promise<Task> {
  return createTask(api, { title, tags: [tag], dueAt: "2031-05-20T12:00:00.000Z" });
}

/** WCAG contrast ratio of two CSS colours as the browser computed them. */
async function contrastOf(page: Page, selector: string): Promise<{ ratio: number; fg: string; bg: string }> {
  return page.$eval(selector, (element) => {
    const style = getComputedStyle(element);
    const rgb = (value: string) => (value.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
      const channel = (c: number) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const a = luminance(rgb(style.color));
    const b = luminance(rgb(style.backgroundColor));
    return {
      ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
      fg: style.color,
      bg: style.backgroundColor,
    };
  });
}

describe("editing without losing anything", () => {
  it("when Escape or a click outside would close unsaved edits, then the drawer asks first", async () => {
    const tag = runTag();
    const task = await oneTask(tag);
    const { page, errors } = await open(`/?tag=${tag}&task=${task.id}`);
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Title").fill(`edited ${tag}`);
    await page.keyboard.press("Escape");
    await dialog.getByText("You have unsaved changes").waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Keep editing");
    await screenshot(page, "drawer-unsaved");
    await dialog.getByRole("button", { name: "Keep editing" }).click();
    expect(await dialog.getByLabel("Title").inputValue()).toBe(`edited ${tag}`);

    await page.mouse.click(20, 300); // the backdrop, left of the panel
    await dialog.getByText("You have unsaved changes").waitFor();
    await dialog.getByRole("button", { name: "Discard changes" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await apiJson<Task>(api, `/tasks/${task.id}`)).body.title).toBe(task.title);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when someone else saves the open task, then the notice shows inside the panel", async () => {
    const tag = runTag();
    const task = await oneTask(tag);
    const { page } = await open(`/?tag=${tag}&task=${task.id}`);
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Title").waitFor();
    await page.locator('.live-status[data-live="live"]').waitFor({ timeout: 15_000 });
    const gridBefore = await page.locator(".grid").boundingBox();
    await apiJson(api, `/tasks/${task.id}`, {
      method: "PATCH",
      headers: { "if-match": `"${task.version}"` },
      body: JSON.stringify({ title: `theirs ${tag}` }),
    });
    const notice = dialog.getByText(/Someone else saved this task/);
    await notice.waitFor({ timeout: 10_000 });
    const panel = await page.locator(".drawer").boundingBox();
    const box = await notice.boundingBox();
    expect(panel && box && box.x >= panel.x && box.x + box.width <= panel.x + panel.width + 1).toBe(true);
    expect(await page.locator(".grid").boundingBox()).toEqual(gridBefore);
    await screenshot(page, "drawer-changed-elsewhere");
    await page.close();
  });

  it("when Delete is pressed from the keyboard, then focus stays in the confirmation, and Undo brings the task back", async () => {
    const tag = runTag();
    const task = await oneTask(tag);
    const { page } = await open(`/?tag=${tag}&task=${task.id}`);
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Delete", exact: true }).focus();
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Keep it");
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Delete task");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    const toast = page.locator(".toast");
    await toast.getByText("deleted").waitFor();
    await screenshot(page, "undo-delete");
    await toast.getByRole("button", { name: "Undo" }).click();
    await toast.waitFor({ state: "detached" });
    await page.waitForTimeout(5_500); // past the grace period: nothing was sent
    expect((await apiJson(api, `/tasks/${task.id}`)).status).toBe(200);
    await waitForTitles(page, [task.title]);
    expect(await page.locator(".grid-row.deleting").count()).toBe(0);
    await page.close();
  });
});

describe("looks and keyboard", () => {
  it("when a primary button is hovered, then its label keeps its contrast in light and dark mode", async () => {
    const { page } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.mouse.move(0, 0);
      const resting = await contrastOf(page, "button.primary");
      await page.getByRole("button", { name: "New task" }).hover();
      await page.waitForTimeout(50);
      const hovered = await contrastOf(page, "button.primary");
      expect(hovered.bg).not.toBe(resting.bg); // the hover shows
      expect(hovered.ratio, `${scheme}: ${hovered.fg} on ${hovered.bg}`).toBeGreaterThanOrEqual(4.5);
      await screenshot(page, `primary-hover-${scheme}`);
    }
    await page.close();
  });

  it("when the skip link is used, then focus lands on the grid with a visible ring and the scroller is no Tab stop", async () => {
    const { page } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip-link");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("task-grid");
    const ring = await page.$eval(".grid-row.active td", (cell) => getComputedStyle(cell).boxShadow);
    expect(ring).not.toBe("none");
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).not.toBe("task-grid-scroller");
    await page.close();
  });
});

describe("status lines", () => {
  it("when searches are pending, fail or find nothing, then the lines say what is on screen", async () => {
    const tag = runTag();
    await oneTask(tag);
    const { page } = await open("/");
    await page.waitForSelector(LOADED_ROW);
    // Pending: the old count is never worded as the new search's matches.
    await page.route(/\/tasks\?.*q=slowterm/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    await page.getByLabel("Search task titles").fill("slowterm");
    await page.locator(".summary .updating").waitFor();
    expect(await page.locator(".summary").textContent()).not.toMatch(/match/);

    // Failed: an error and no rows of the previous query under the new term.
    await page.route(/\/tasks\?.*q=failterm/, (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "unavailable", message: "Search is down" } }),
      }),
    );
    await page.getByLabel("Search task titles").fill("failterm");
    await page.getByRole("alert").filter({ hasText: "Search is down" }).waitFor();
    expect(await page.locator(LOADED_ROW).count()).toBe(0);
    expect(await page.locator(".summary .updating").count()).toBe(0);
    expect(await page.locator(".summary").textContent()).not.toContain("Loading tasks");

    // Two empty searches in a row: the empty state stays, never "0 rows of 0".
    await page.getByLabel("Search task titles").fill(`zz${tag}none`);
    await page.getByText("No tasks match these filters").waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { __zero: boolean; __stop: boolean };
      const frame = () => {
        if (document.body.textContent?.includes("0 rows of 0")) w.__zero = true;
        if (!w.__stop) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await page.getByLabel("Search task titles").fill(`zz${tag}nothing`);
    await page.waitForURL(/nothing/);
    await page.getByText("No tasks match these filters").waitFor();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __zero?: boolean }).__zero ?? false)).toBe(
      false,
    );
    await page.close();
  });

  it("when the API cannot be reached, then the banner speaks to a person and nothing says loading", async () => {
    const { page: offline } = await open("/");
    await offline.route(`${new URL(api).origin}/**`, (route) => route.abort("connectionrefused"));
    await offline.reload();
    const alert = offline.getByRole("alert").filter({ hasText: "cannot be reached" });
    await alert.waitFor();
    expect(await alert.textContent()).not.toContain("npm start");
    expect(await offline.locator(".summary").textContent()).not.toContain("Loading tasks");
    await offline.close();
  });
});

describe("phone", () => {
  it("when a 375 px phone opens the grid and a task, then due dates show, headers fit and no keyboard pops up", async () => {
    const { page } = await open("/");
    await page.setViewportSize({ width: 375, height: 740 });
    await page.waitForSelector(LOADED_ROW);
    for (const column of ["title", "status", "priority", "due"])
      expect(await page.locator(`th.col-${column}`).isVisible()).toBe(true);
    for (const column of ["status", "priority", "due"]) {
      const fits = await page.$eval(`th.col-${column}`, (th) => {
        const icon = th.querySelector(".sort-icon")?.getBoundingClientRect();
        const box = th.getBoundingClientRect();
        return icon !== undefined && icon.right <= box.right && icon.left >= box.left;
      });
      expect(fits, `${column} header's sort arrows fit`).toBe(true);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "phone-grid");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "phone-grid-dark");
    await page.emulateMedia({ colorScheme: "light" });
    await page.locator(LOADED_ROW).first().click();
    await page.getByRole("dialog").getByLabel("Title").waitFor();
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe("INPUT");
    await screenshot(page, "phone-drawer");
    await page.close();
  });
});

describe("filters and the smaller things", () => {
  it("when a due range is picked, then only tasks due in it remain, and the pickers suggest values", async () => {
    const tag = runTag();
    const inside = await createTask(api, {
      title: `due inside ${tag}`,
      tags: [tag],
      dueAt: "2031-05-20T12:00:00.000Z",
    });
    await createTask(api, { title: `due later ${tag}`, tags: [tag], dueAt: "2031-07-01T12:00:00.000Z" });
    await createTask(api, { title: `no due ${tag}`, tags: [tag] });
    const { page, errors } = await open(`/?tag=${tag}`);
    await page.waitForSelector(LOADED_ROW);
    await page.locator("#filter-due-from").fill("2031-05-01");
    await page.locator("#filter-due-to").fill("2031-05-31");
    await waitForTitles(page, [inside.title]);
    await page.waitForURL(/dueFrom=2031-05-01&dueTo=2031-05-31/);
    const tags = await page.$$eval("#tag-suggestions option", (options) =>
      options.map((option) => (option as HTMLOptionElement).value),
    );
    expect(tags).toContain(tag);
    expect(await page.locator("#filter-assignee").getAttribute("list")).toBe("assignee-suggestions");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the page loads and a chip is pressed, then nothing shifts, the live bar reads well and Go to row explains bad input", async () => {
    const { page } = await open("/");
    const consoleErrors: string[] = [];
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await page.reload();
    await page.waitForSelector(LOADED_ROW);
    expect(await page.locator("th.col-created").isVisible()).toBe(true);
    const before = await page.locator(".grid").boundingBox();
    await page.getByRole("button", { name: "Urgent", exact: true }).click();
    await page.waitForURL(/priority=urgent/);
    expect((await page.locator(".grid").boundingBox())?.y).toBe(before?.y);
    await page.locator('.live-status[data-live="live"]').waitFor({ timeout: 15_000 });
    const liveText = (await page.locator(".live-bar").innerText()).replace(/\s+/g, " ");
    expect(liveText).not.toMatch(/Live\d/);
    await page.getByLabel("Go to row").fill("abc");
    await page.getByLabel("Go to row").press("Enter");
    await page.getByRole("alert").filter({ hasText: "Enter a row number" }).waitFor();
    await screenshot(page, "goto-error");
    expect(consoleErrors.filter((text) => /flushSync/.test(text))).toEqual([]);
    await page.close();
  });

  it("when a task is created, then only its row is highlighted", async () => {
    const tag = runTag();
    await oneTask(tag, `oldest ${tag}`);
    await oneTask(tag, `older ${tag}`);
    const { page } = await open(`/?tag=${tag}`);
    await waitForTitles(page, [`older ${tag}`, `oldest ${tag}`]);
    // The keyboard's row is the second one; the created task will be the first.
    await page.locator('tr[data-row="1"][data-task-id]').click();
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).first().click();
    await page.getByRole("button", { name: "New task" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Title").fill(`newer ${tag}`);
    await dialog.getByLabel("Tags (comma-separated)").fill(tag);
    await dialog.getByRole("button", { name: "Create task" }).click();
    await dialog.getByRole("heading", { name: /^Task #\d+$/ }).waitFor();
    track((await dialog.getByRole("heading").textContent())?.replace("Task #", "") ?? "");
    await waitForTitles(page, [`newer ${tag}`, `older ${tag}`, `oldest ${tag}`]);
    await page.mouse.move(0, 0);
    const highlighted = await page.$$eval("tr.grid-row", (rows) => {
      const probe = document.createElement("div");
      probe.style.background = "var(--bg-active)";
      document.body.append(probe);
      const active = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return rows.filter((row) => {
        const cell = row.querySelector("td");
        return cell && getComputedStyle(cell).backgroundColor === active;
      }).length;
    });
    expect(highlighted).toBeLessThanOrEqual(1);
    const [first] = (await listTasks(api, `tag=${tag}&limit=1`)).items;
    expect(first?.title).toBe(`newer ${tag}`);
    await page.close();
  });
});

// Two browser windows on the same view see each other's writes over the live feed: edits in place,
// new tasks as a banner rather than shifted rows, deletes marked, and the live indicator.
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { withAuth } from "../../../functions/test/support/tokens";
import { createTask, runTag, track } from "./support/api-client";
import { waitForTitles } from "./support/grid";
import { setUpGridSession } from "./support/session";
import { apiUrl } from "./support/site";

const api = apiUrl();

function wsUrl(): string {
  try {
    return (
      (inject as (key: string) => string | undefined)("browserWsUrl") ??
      process.env.WS_URL ??
      "ws://localhost:3001"
    );
  } catch {
    return process.env.WS_URL ?? "ws://localhost:3001";
  }
}

// The site is built for this API and its WebSocket endpoint.
process.env.PUBLIC_WS_URL = wsUrl();
const { open } = setUpGridSession(api);

async function openLive(path: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await open(path);
  await opened.page.locator('[data-live="live"]').waitFor();
  return opened;
}

/** Wall-clock ms (same machine) at which `title` appears in a row of `page`. */
function whenTitleAppears(page: Page, title: string): Promise<number> {
  return page.evaluate(
    (wanted) =>
      new Promise<number>((resolve) => {
        const has = () =>
          [...document.querySelectorAll("tr.grid-row .title-text")].some(
            (cell) => cell.textContent === wanted,
          );
        if (has()) return resolve(Date.now());
        const observer = new MutationObserver(() => {
          if (has()) {
            observer.disconnect();
            resolve(Date.now());
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      }),
    title,
  );
}

describe("live updates in the grid", () => {
  it("when two windows show the same tasks, then each sees the other's edits in place, live", async () => {
    const tag = runTag();
    const tasks = [];
    for (const name of ["one", "two", "three"])
      tasks.push(await createTask(api, { title: `${name} ${tag}`, tags: [tag] }));
    const a = await openLive(`/?tag=${tag}`);
    const b = await openLive(`/?tag=${tag}`);
    for (const { page } of [a, b]) await waitForTitles(page, [`three ${tag}`, `two ${tag}`, `one ${tag}`]);

    const lags: number[] = [];
    // A edits through its drawer; B's row changes where it is.
    await a.page.locator("tr.grid-row", { hasText: `two ${tag}` }).click();
    const dialog = a.page.getByRole("dialog");
    await dialog.getByLabel("Title").fill(`two edited ${tag}`);
    const seenByB = whenTitleAppears(b.page, `two edited ${tag}`);
    const saved = a.page.waitForResponse((response) => response.request().method() === "PATCH");
    const clickedAt = Date.now();
    await dialog.getByRole("button", { name: "Save changes" }).click();
    const savedAt = await saved.then(() => Date.now());
    lags.push((await seenByB) - savedAt);
    await waitForTitles(b.page, [`three ${tag}`, `two edited ${tag}`, `one ${tag}`]);
    await dialog.getByRole("button", { name: "Close" }).first().click();

    // B edits; A sees it.
    await b.page.locator("tr.grid-row", { hasText: `one ${tag}` }).click();
    const dialogB = b.page.getByRole("dialog");
    await dialogB.getByLabel("Title").fill(`one edited ${tag}`);
    const seenByA = whenTitleAppears(a.page, `one edited ${tag}`);
    const savedB = b.page.waitForResponse((response) => response.request().method() === "PATCH");
    await dialogB.getByRole("button", { name: "Save changes" }).click();
    const savedBAt = await savedB.then(() => Date.now());
    lags.push((await seenByA) - savedBAt);
    await dialogB.getByRole("button", { name: "Close" }).first().click();

    console.log(
      `live edit seen by the other window ${lags.map((lag) => `${lag} ms`).join(", ")} after the save's response (${savedAt - clickedAt} ms save round trip)`,
    );
    // The lag is a measurement, printed above (README: 47-159 ms here); the assertion only says the
    // edit arrived live, long before any reload or poll could have shown it.
    for (const lag of lags) expect(lag).toBeLessThan(5_000);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.page.close();
    await b.page.close();
  }, 90_000);

  it("when a task is created or deleted elsewhere, then rows do not shift: a banner counts new ones and a deleted row is marked", async () => {
    const tag = runTag();
    const first = await createTask(api, { title: `first ${tag}`, tags: [tag] });
    const second = await createTask(api, { title: `second ${tag}`, tags: [tag] });
    const { page, errors } = await openLive(`/?tag=${tag}`);
    await waitForTitles(page, [`second ${tag}`, `first ${tag}`]);

    // Created elsewhere but outside this view (another tag): not news to these rows. Events arrive
    // in order, so had it been counted, the banner would say 2 once the next one is in.
    track((await createTask(api, { title: `elsewhere ${tag}`, tags: [`${tag}-other`] })).id);
    track((await createTask(api, { title: `third ${tag}`, tags: [tag] })).id);
    await page.getByRole("button", { name: /^1 new task/ }).waitFor({ timeout: 5_000 });
    // Still what the user was reading.
    await waitForTitles(page, [`second ${tag}`, `first ${tag}`]);

    await fetch(`${api}/tasks/${first.id}`, withAuth({ method: "DELETE" }));
    await page
      .locator("tr.grid-row", { hasText: `first ${tag}` })
      .getByText("deleted")
      .waitFor({ timeout: 5_000 });

    await page.getByRole("button", { name: /^1 new task/ }).click();
    await waitForTitles(page, [`third ${tag}`, `second ${tag}`]);
    expect(second.id).toBeTruthy();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

// npm run ops:screenshot -- [--site http://localhost:4321] [--user ada] [--scheme light|dark] [--out docs/ops-page.png]
// Opens the site's /ops page in Debian's Chromium (CHROMIUM_PATH) as a demo user of the development
// session, waits for a few live updates and saves a full-page PNG: the README's picture of the page
// under `npm run bench` load is taken this way while the bench runs.
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values } = parseArgs({
  options: {
    site: { type: "string", default: `http://localhost:${process.env.PORT ?? 4321}` },
    user: { type: "string", default: "ada" },
    scheme: { type: "string", default: "light" },
    out: { type: "string", default: "docs/ops-page.png" },
    wait: { type: "string", default: "6" },
  },
});

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 1400 },
      colorScheme: values.scheme === "dark" ? "dark" : "light",
    });
    await context.addInitScript((id) => localStorage.setItem("million-tasks.user", id), values.user);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${values.site.replace(/\/+$/, "")}/ops/`);
    await page.waitForTimeout(Number(values.wait) * 1_000);
    await page.screenshot({ path: values.out, fullPage: true });
    process.stdout.write(
      `${values.out}\n${((await page.locator("main").textContent()) ?? "").slice(0, 2_000)}\n`,
    );
    if (errors.length) process.stderr.write(`page errors: ${errors.join("\n")}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

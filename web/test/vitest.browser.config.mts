import { defineConfig } from "vitest/config";

// The browser tests alone, against an API that is already running (API_URL, default
// http://localhost:3000; SITE_URL optional, else the site is built for that API and served):
// `vitest run -c web/test/vitest.browser.config.mts`. `npm test` runs them from the root config.
export default defineConfig({
  root: new URL("../..", import.meta.url).pathname,
  test: {
    include: ["web/test/browser/**/*.browser.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});

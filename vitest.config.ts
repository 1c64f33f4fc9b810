import { defineConfig } from "vitest/config";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./functions/test/support/services";

const GLOBAL_SETUP = ["functions/test/support/global-setup.ts"];

// Four projects; `npm test` runs them all, `npm run test:<project>` one. Only `unit` runs without
// services. The others share one PostgreSQL, one Redis and serverless-offline stacks on a 2-core box,
// so their files run one at a time; the global setup starts what each project needs (see there).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    // Library modules read configuration at import; point them at the test services.
    env: { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, LOG_REQUESTS: "false" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["functions/test/unit/**/*.test.ts", "web/test/unit/**/*.test.{ts,tsx}"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["functions/test/integration/**/*.test.ts"],
          globalSetup: GLOBAL_SETUP,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "contract",
          include: ["functions/test/contract/**/*.test.ts", "functions/test/deploy/**/*.test.ts"],
          globalSetup: GLOBAL_SETUP,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["web/test/browser/**/*.browser.test.ts"],
          globalSetup: GLOBAL_SETUP,
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

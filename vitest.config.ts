import { defineConfig } from "vitest/config";
import { SUITE_RATE_LIMITS, TEST_DATABASE_URL, TEST_REDIS_URL } from "./functions/test/support/services";
import { devAuthEnv } from "./scripts/lib/dev-keys";

// Handlers called in this process verify tokens with the checkout's development key set; the
// control secret stays out, so integration tests may call seed and maintain directly.
const { CONTROL_SECRET: _secret, ...authEnv } = devAuthEnv();

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
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      LOG_REQUESTS: "false",
      // Small chunks and few attempts, so job tests see several chunks and a final failure quickly.
      JOB_CHUNK_SIZE: "100",
      JOB_MAX_ATTEMPTS: "2",
      // Two lanes (the default is one), so the tests also see lanes stop each other and resume.
      JOB_LANES: "2",
      // Handlers called in this process would add the operations figures (functions/src/ops/) to the
      // Redis that the memory and cache tests measure; the figures are tested through the stacks
      // (contract/ops-*.test.ts), which the global setup starts with them on.
      OPS_METRICS: "off",
      ...SUITE_RATE_LIMITS,
      ...authEnv,
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["functions/test/unit/**/*.test.ts", "web/test/unit/**/*.test.{ts,tsx}"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          // One project at a time (projects otherwise run in parallel): they share the test database.
          sequence: { groupOrder: 1 },
          include: ["functions/test/integration/**/*.test.ts"],
          globalSetup: GLOBAL_SETUP,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "contract",
          sequence: { groupOrder: 2 },
          include: ["functions/test/contract/**/*.test.ts", "functions/test/deploy/**/*.test.ts"],
          globalSetup: GLOBAL_SETUP,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          sequence: { groupOrder: 3 },
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

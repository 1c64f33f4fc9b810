import { defineConfig } from "vitest/config";
import { SUITE_RATE_LIMITS, TEST_DATABASE_URL, TEST_REDIS_URL } from "./functions/test/support/services";
import { devAuthEnv } from "./scripts/lib/dev-keys";

// Handlers called in this process verify tokens with the checkout's development key set; the
// control secret stays out, so integration tests may call seed and maintain directly.
const { CONTROL_SECRET: _secret, ...authEnv } = devAuthEnv();

// One run covers every test. Files run one at a time: integration, contract and browser tests
// share one PostgreSQL, one Redis and one serverless-offline stack, and this box has 2 cores.
export default defineConfig({
  test: {
    include: ["functions/test/**/*.test.ts", "web/test/**/*.test.{ts,tsx}"],
    globalSetup: ["functions/test/support/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    // Library modules read configuration at import; point them at the test services.
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      LOG_REQUESTS: "false",
      ...SUITE_RATE_LIMITS,
      ...authEnv,
    },
  },
});

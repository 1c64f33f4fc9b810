import { defineConfig } from "vitest/config";
import { devAuthEnv } from "../../../scripts/lib/dev-keys";
import { SUITE_RATE_LIMITS, TEST_DATABASE_URL, TEST_REDIS_URL } from "../support/services";

// `npm run test:replica` only (scripts/test-replica.ts starts a primary and a streaming replica and
// passes DATABASE_URL and DATABASE_READ_URL): read-your-writes under lag. Not *.test.ts, so `npm test`
// never picks them up without a replica.
const { CONTROL_SECRET: _secret, ...authEnv } = devAuthEnv();

export default defineConfig({
  root: new URL("../../..", import.meta.url).pathname,
  test: {
    include: ["functions/test/replica/**/*.replica.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ["default"],
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      LOG_REQUESTS: "false",
      ...SUITE_RATE_LIMITS,
      ...authEnv,
    },
  },
});

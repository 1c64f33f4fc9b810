import { defineConfig } from "vitest/config";
import { devAuthEnv } from "../../../scripts/lib/dev-keys";
import { SUITE_RATE_LIMITS, TEST_DATABASE_URL, TEST_REDIS_URL } from "../support/services";

// `npm run test:cluster` only (scripts/test-cluster.ts starts the cluster and passes REDIS_URL and
// REDIS_CLUSTER_PORTS): a primary killed under load. Its files are not *.test.ts, so `npm test`
// never picks them up without a cluster to kill.
const { CONTROL_SECRET: _secret, ...authEnv } = devAuthEnv();

export default defineConfig({
  root: new URL("../../..", import.meta.url).pathname,
  test: {
    include: ["functions/test/cluster/**/*.cluster.ts"],
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

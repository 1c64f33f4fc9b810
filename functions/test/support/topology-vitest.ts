// The vitest config of a suite that needs a topology `npm test` does not have (a Redis Cluster, a
// streaming replica): its script starts the topology and passes its URLs. Its files are not
// *.test.ts, so `npm test` never picks them up.
import { defineConfig } from "vitest/config";
import { devAuthEnv } from "../../../scripts/lib/dev-keys";
import { SUITE_RATE_LIMITS, TEST_DATABASE_URL, TEST_REDIS_URL } from "./services";

export function topologyVitestConfig(include: string) {
  const { CONTROL_SECRET: _secret, ...authEnv } = devAuthEnv();
  return defineConfig({
    root: new URL("../../..", import.meta.url).pathname,
    test: {
      include: [include],
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
}

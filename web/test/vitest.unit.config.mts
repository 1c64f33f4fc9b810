import { defineConfig } from "vitest/config";

// The web's unit and component tests alone, with no services and no global setup:
// `vitest run -c web/test/vitest.unit.config.ts`. `npm test` runs them too, from the root config.
export default defineConfig({
  root: new URL("../..", import.meta.url).pathname,
  test: { include: ["web/test/unit/**/*.test.{ts,tsx}"] },
});

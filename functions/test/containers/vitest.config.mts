import { defineConfig } from "vitest/config";

// `npm run test:containers`: docker-compose.yml built and run for real with podman. Kept out of
// `npm test` (its files are not *.test.ts) because it builds images and needs root; `.ci/run` runs
// it as a step of its own.
export default defineConfig({
  root: new URL("../../..", import.meta.url).pathname,
  test: {
    include: ["functions/test/containers/**/*.containers.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    // Cold: debootstrap, the stand-ins, `npm ci` in two images and the site's build.
    hookTimeout: 1_200_000,
    reporters: ["default"],
  },
});

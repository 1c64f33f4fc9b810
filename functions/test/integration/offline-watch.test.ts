// serverless-esbuild watches files for serverless-offline with chokidar. Its default pattern,
// ./**/*.(js|ts) from the project root, walked everything the tests and `npm start` write under
// .data/ (PostgreSQL data directories, exports, the container image tree) again and again: a test
// stack left idle beside the integration suite grew to a 4.2 GB heap, busy in chokidar's directory
// reads, and a CI run lost its stack to it. The watch set is what serverless.yml configures,
// resolved the way the plugin resolves it (its defaults where serverless.yml is silent).

import { readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import chokidar from "chokidar";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PROBE_DIR = path.join(ROOT, ".data", "watch-probe");

interface WatchConfig {
  pattern?: string | string[];
  ignore?: string | string[];
}

const esbuild = (
  parse(readFileSync(path.join(ROOT, "serverless.yml"), "utf8")) as {
    custom?: { esbuild?: { watch?: WatchConfig } };
  }
).custom?.esbuild?.watch;
const list = (value: string | string[] | undefined, fallback: string[]) =>
  value === undefined ? fallback : Array.isArray(value) ? value : [value];

afterAll(async () => {
  await rm(PROBE_DIR, { recursive: true, force: true });
});

describe("what serverless-offline watches", () => {
  it("when files appear under .data, then the watcher never walks them, and it still watches the sources", async () => {
    await mkdir(path.join(PROBE_DIR, "nested"), { recursive: true });
    await writeFile(path.join(PROBE_DIR, "nested", "probe.ts"), "export {};\n");
    const watcher = chokidar.watch(list(esbuild?.pattern, ["./**/*.(js|ts)"]), {
      cwd: ROOT,
      ignoreInitial: true,
      ignored: list(esbuild?.ignore, [".esbuild", "dist", "node_modules", ".build"]),
    });
    try {
      await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
      const directories = Object.keys(watcher.getWatched());
      expect(directories.filter((directory) => directory.startsWith(".data"))).toEqual([]);
      expect(directories).toContain(path.join("functions", "src", "handlers"));
      expect(directories).toContain("contract");
    } finally {
      await watcher.close();
    }
  }, 60_000);
});

// The site `npm start` serves is the production build (web/dist). Building takes ~15 s on these
// 2 cores, so a build is reused while nothing it depends on changed: its sources (newest mtime)
// and the API addresses baked into it at build time.
import { spawn } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
export const SITE_DIST = path.join(ROOT, "web/dist");
const STAMP = path.join(SITE_DIST, ".build-stamp.json");
const INPUTS = ["web/src", "web/public", "web/astro.config.mjs", "package-lock.json"];
const BAKED_ENV = ["PUBLIC_API_URL", "PUBLIC_WS_URL"] as const;

async function newestMtime(target: string): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(target);
  const times = await Promise.all(entries.map((entry) => newestMtime(path.join(target, entry))));
  return Math.max(info.mtimeMs, ...times);
}

export async function siteStamp(env: NodeJS.ProcessEnv): Promise<string> {
  const times = await Promise.all(INPUTS.map((input) => newestMtime(path.join(ROOT, input))));
  return JSON.stringify({
    sources: Math.max(...times),
    env: Object.fromEntries(BAKED_ENV.map((name) => [name, env[name] ?? ""])),
  });
}

/** Builds web/dist unless the last build had the same stamp; returns whether it built. */
export async function buildSiteIfStale(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const stamp = await siteStamp(env);
  if ((await readFile(STAMP, "utf8").catch(() => "")) === stamp) return false;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn("astro", ["build", "--root", "web"], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...env, ASTRO_TELEMETRY_DISABLED: "1" },
    });
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`astro build failed (exit ${code})`);
  await writeFile(STAMP, stamp);
  return true;
}

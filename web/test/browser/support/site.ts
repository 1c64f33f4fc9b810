// Where the browser tests find the site and the API. SITE_URL / API_URL win; otherwise the API
// comes from the shared global setup (`inject("browserApiUrl")`) or localhost:3000, and the site is built
// for that API (PUBLIC_API_URL) into a temporary directory and served by a tiny static server, so
// the tests exercise the same static output `npm run build` produces.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inject } from "vitest";
import { BROWSER_SITE_PORT } from "../../../../functions/test/support/services";
import { devSession } from "../../../../scripts/lib/dev-keys";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

export function apiUrl(): string {
  let provided: string | undefined;
  try {
    provided = (inject as (key: string) => string | undefined)("browserApiUrl");
  } catch {
    provided = undefined;
  }
  return (process.env.API_URL ?? provided ?? "http://localhost:3000").replace(/\/+$/, "");
}

/** The live feed's WebSocket for the API under test (WS_URL wins, then the shared setup's). */
export function liveWsUrl(): string {
  let provided: string | undefined;
  try {
    provided = (inject as (key: string) => string | undefined)("browserWsUrl");
  } catch {
    provided = undefined;
  }
  return process.env.WS_URL ?? provided ?? "ws://localhost:3001";
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/**
 * Serves a built site, as `npm start`'s dev server would with its development session (the demo
 * users' tokens) unless `session` is false. The port is fixed by default: the browser stack allows
 * exactly that origin (CORS_ORIGIN), so port 0 gives a site of "another origin".
 */
export async function serve(
  dir: string,
  { port = BROWSER_SITE_PORT, session = true }: { port?: number; session?: boolean } = {},
): Promise<{ url: string; stop: () => Promise<void> }> {
  const sessionBody = session ? JSON.stringify(devSession(3 * 3600)) : undefined;
  const server = http.createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    if (pathname === "/dev-session.json" && sessionBody) {
      response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(sessionBody);
      return;
    }
    let file = path.join(dir, pathname);
    if (!file.startsWith(dir)) {
      response.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, "index.html");
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: listening } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${listening}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Site {
  url: string;
  /** The built output, when this module built it (for measuring the island's size). */
  dist: string | null;
  stop: () => Promise<void>;
}

export async function startSite(api: string): Promise<Site> {
  if (process.env.SITE_URL)
    return { url: process.env.SITE_URL.replace(/\/+$/, ""), dist: null, stop: async () => {} };
  const hash = createHash("sha256").update(api).digest("hex").slice(0, 10);
  const dist = path.join(os.tmpdir(), `task-grid-site-${hash}`);
  await promisify(execFile)(
    path.join(ROOT, "node_modules/.bin/astro"),
    ["build", "--root", "web", "--outDir", dist],
    {
      cwd: ROOT,
      // vitest sets NODE_ENV=test, which would bundle React's development build.
      env: { ...process.env, NODE_ENV: "production", PUBLIC_API_URL: api, ASTRO_TELEMETRY_DISABLED: "1" },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (!existsSync(path.join(dist, "index.html")))
    throw new Error(`astro build produced no index.html in ${dist}`);
  const server = await serve(dist);
  return { url: server.url, dist, stop: server.stop };
}

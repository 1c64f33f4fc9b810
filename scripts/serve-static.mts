// Serves the built site (web/dist) the way the `web` container does: `node scripts/serve-static.mts`.
// Node built-ins only and erasable TypeScript (an ES module: .mts), so Node 24 runs it as is, with no install and no build
// step, in the container and natively. Options: env STATIC_DIR (web/dist), HOST (0.0.0.0), PORT (4321),
// DEV_SESSION_FILE (development only: `npm start` names its demo users' tokens, answered at
// /dev-session.json as the Astro dev server does; a production server has none, so that path is a 404).
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
  ".webmanifest": "application/manifest+json",
};

export function createStaticServer(root: string, devSessionFile?: string): http.Server {
  const base = path.resolve(root);
  const fileFor = async (pathname: string): Promise<string | undefined> => {
    const target = path.resolve(base, `.${pathname}`);
    if (target !== base && !target.startsWith(base + path.sep)) return undefined;
    for (const candidate of [target, path.join(target, "index.html"), `${target}.html`]) {
      const info = await stat(candidate).catch(() => undefined);
      if (info?.isFile()) return candidate;
    }
    return undefined;
  };
  return http.createServer(async (request, response) => {
    response.setHeader("X-Content-Type-Options", "nosniff");
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      response.writeHead(400).end();
      return;
    }
    if (devSessionFile && pathname === "/dev-session.json") {
      const body = await readFile(devSessionFile).catch(() => undefined);
      if (body) {
        response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
        response.end(request.method === "HEAD" ? undefined : body);
        return;
      }
    }
    const file = pathname.includes("\0") ? undefined : await fileFor(pathname);
    const status = file ? 200 : 404;
    const served = file ?? (await fileFor("/404.html"));
    if (!served) {
      response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found\n");
      return;
    }
    const info = await stat(served);
    response.writeHead(status, {
      "Content-Type": TYPES[path.extname(served)] ?? "application/octet-stream",
      "Content-Length": info.size,
      // Astro fingerprints everything under /_astro/; pages must revalidate to pick up a new build.
      "Cache-Control": pathname.startsWith("/_astro/") ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    createReadStream(served).pipe(response);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const root = process.env.STATIC_DIR ?? path.resolve(import.meta.dirname, "../web/dist");
  const port = Number(process.env.PORT ?? 4321);
  const host = process.env.HOST ?? "0.0.0.0";
  const server = createStaticServer(root, process.env.DEV_SESSION_FILE);
  server.listen(port, host, () => {
    console.log(JSON.stringify({ level: "info", msg: "serving", root, url: `http://${host}:${port}` }));
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => server.close(() => process.exit(0)));
}

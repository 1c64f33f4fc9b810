// Static site; the grid is one React island. The API address is configuration: PUBLIC_API_URL at
// build (or dev) time, http://localhost:3000 when unset (see src/lib/api.ts).
import { readFile } from "node:fs/promises";
import react from "@astrojs/react";
import { defineConfig } from "astro/config";

// Development sign-in: `npm start` writes demo users with fresh tokens to .data/auth/ and the dev
// server alone answers /dev-session.json with them (see src/lib/session.ts). `apply: "serve"`: a
// build never contains the file, so a deployed site has no development tokens.
const DEV_SESSION = new URL("../.data/auth/dev-session.json", import.meta.url);
function devSession() {
  return {
    name: "million-tasks-dev-session",
    apply: "serve",
    configureServer(server) {
      server.middlewares.use("/dev-session.json", async (_request, response) => {
        try {
          const body = await readFile(DEV_SESSION);
          response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
          response.end(body);
        } catch {
          response.writeHead(404, { "content-type": "application/json" });
          response.end('{"error":{"code":"not_found","message":"No development session: run npm start"}}');
        }
      });
    },
  };
}

export default defineConfig({
  output: "static",
  integrations: [react()],
  server: { port: 4321, host: true },
  preview: { port: 4321, host: true },
  vite: {
    plugins: [devSession()],
    // Pre-bundled at dev-server start: discovered lazily, they make Vite re-optimize on the first
    // page load and answer the island's import with "504 Outdated Optimize Dep".
    optimizeDeps: {
      include: [
        "react",
        "react/jsx-runtime",
        "react/jsx-dev-runtime",
        "react-dom",
        "react-dom/client",
        "react-virtuoso",
      ],
    },
  },
});

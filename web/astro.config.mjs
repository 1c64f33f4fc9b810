// Static site; the grid is one React island. The API address is configuration: PUBLIC_API_URL at
// build (or dev) time, http://localhost:3000 when unset (see src/lib/api.ts).
import react from "@astrojs/react";
import { defineConfig } from "astro/config";

export default defineConfig({
  output: "static",
  integrations: [react()],
  server: { port: 4321, host: true },
  preview: { port: 4321, host: true },
  vite: {
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

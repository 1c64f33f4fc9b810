// npm start's site step: builds web/dist when its sources or API addresses changed (see
// scripts/lib/site-build.ts), then exits; scripts/serve-static.mts serves it.
import { buildSiteIfStale } from "./lib/site-build";

const started = performance.now();
buildSiteIfStale()
  .then((built) => {
    const ms = Math.round(performance.now() - started);
    console.log(built ? `site built in ${ms} ms` : "site: web/dist is up to date");
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });

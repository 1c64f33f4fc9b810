// Where the tests find their services: DATABASE_URL / REDIS_URL, defaulting to the local servers.
// The test database is separate from the one `npm start` uses, and is created when missing.
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1";
/** Ports of the serverless-offline stack the tests start (not the dev defaults, so both can run). */
export const TEST_API_PORT = Number(process.env.TEST_API_PORT ?? 3100);
export const TEST_LAMBDA_PORT = Number(process.env.TEST_LAMBDA_PORT ?? 3102);
export const TEST_WS_PORT = Number(process.env.TEST_WS_PORT ?? 3104);
export const TEST_API_URL = `http://127.0.0.1:${TEST_API_PORT}`;
export const TEST_LAMBDA_URL = `http://127.0.0.1:${TEST_LAMBDA_PORT}`;
export const TEST_WS_URL = `ws://127.0.0.1:${TEST_WS_PORT}`;

/**
 * The browser tests' own stack and database: they need a table of 1,000,000 tasks (seeded once,
 * kept between runs), which the seed tests' truncating loads would otherwise wipe mid-run.
 */
function siblingDatabase(url: string, name: string): string {
  const sibling = new URL(url);
  sibling.pathname = `/${name}`;
  return sibling.toString();
}
export const BROWSER_DATABASE_URL =
  process.env.BROWSER_DATABASE_URL ?? siblingDatabase(TEST_DATABASE_URL, "test_browser");
export const BROWSER_REDIS_URL = process.env.BROWSER_REDIS_URL ?? "redis://127.0.0.1:6379/7";
export const BROWSER_API_PORT = Number(process.env.BROWSER_API_PORT ?? 3140);
export const BROWSER_LAMBDA_PORT = Number(process.env.BROWSER_LAMBDA_PORT ?? 3142);
export const BROWSER_WS_PORT = Number(process.env.BROWSER_WS_PORT ?? 3144);
/** The browser tests serve the built site here: a fixed origin, the only one the browser stack's CORS allows. */
export const BROWSER_SITE_PORT = Number(process.env.BROWSER_SITE_PORT ?? BROWSER_API_PORT + 6);
export const BROWSER_SITE_ORIGIN = `http://127.0.0.1:${BROWSER_SITE_PORT}`;
export const BROWSER_TASKS = Number(process.env.BROWSER_TASKS ?? 1_000_000);
/**
 * The suite's own traffic (one test actor, thousands of requests a minute) is not what the limits
 * are tested with: rate-limit tests set their own budgets. Limits still count, and headers flow.
 */
export const SUITE_RATE_LIMITS = {
  RATE_LIMIT_READ: "10000000",
  RATE_LIMIT_WRITE: "10000000",
  RATE_LIMIT_AUTH_FAILURES: "10000000",
  RATE_LIMIT_WS_MESSAGES: "10000000",
};

// The only reader of process.env: parsed once at cold start so a bad setting fails loudly before the
// first request rather than as a confusing error inside one.
import * as z from "zod";

const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .pipe(z.url().optional());

const ConfigSchema = z.object({
  DATABASE_URL: optionalUrl.default("postgres://postgres@127.0.0.1:5432/postgres"),
  /**
   * A streaming replica (an Aurora reader endpoint) for GET requests; unset: everything reads the
   * primary. A client that wrote sends back the write's WAL position and reads the primary until the
   * replica has replayed it (platform/db.ts, read-your-writes).
   */
  DATABASE_READ_URL: optionalUrl.optional(),
  /**
   * One Redis (`redis://`), or a Redis Cluster (`redis+cluster://host:port`, `rediss+cluster://` with
   * TLS): any node of it, the client discovers the rest. REDIS_CLUSTER_NODES lists several seeds.
   */
  REDIS_URL: optionalUrl.optional(),
  /** `host:port,host:port`: a Redis Cluster's seed nodes (REDIS_URL then only carries credentials/TLS). */
  REDIS_CLUSTER_NODES: z
    .string()
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .pipe(
      z
        .string()
        .regex(/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/, "host:port,host:port")
        .optional(),
    )
    .optional(),
  /** Small on purpose: serverless-offline's worker mode gives every concurrent invocation its own pool. */
  PG_POOL_MAX: z.coerce.number().int().min(1).max(50).default(4),
  /** Waiting for a pooled connection or a new one; a database that is down is a 503 after this. */
  PG_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(700),
  /** Statements outside HTTP requests (maintenance, seeding steps on the pool). */
  PG_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  PG_LOCK_TIMEOUT_MS: z.coerce.number().int().min(50).default(1_000),
  /**
   * Per statement of an HTTP request (routes may ask for less): with the connect timeout this keeps
   * a request against a slow or stuck database under 2 s.
   */
  PG_REQUEST_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(1_200),
  /** How long a read waits for a table lock (only an exclusive lock blocks it) before a 503. */
  PG_REQUEST_LOCK_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(300),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(64 * 1_024),
  /** Connecting and each command give up this quickly; the request then reads PostgreSQL. */
  REDIS_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).default(500),
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(20).default(250),
  /** Upper bound of a task entry's life (minus up to 10% jitter); never past its expires_at. */
  CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(3_600),
  /** Life of a cached page; writes invalidate pages at once (generation), so this only bounds memory. */
  CACHE_QUERY_TTL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(600),
  /**
   * How long an Idempotency-Key is remembered: a retry within it replays the first answer; after it
   * the key is free again, and `maintain` deletes it (issue 11, finding 7: keys were never purged).
   */
  IDEMPOTENCY_KEY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  /** Rebuild a missing position index in the background of the process that noticed (see CACHE.md). */
  CACHE_BACKGROUND_REBUILD: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
  // Live updates (issue 7, see functions/src/live/feed.ts).
  /** postToConnection endpoint; unset on AWS, where each connection's request context gives it. */
  WS_MANAGEMENT_ENDPOINT: optionalUrl.optional(),
  /** Lambda Invoke API endpoint for the async fan-out; unset on AWS (the regional endpoint). */
  LAMBDA_ENDPOINT: optionalUrl.optional(),
  BROADCAST_FUNCTION_NAME: z.string().default("million-tasks-dev-broadcast"),
  /** invoke: writes hand the fan-out to the broadcast function; inline: they wait for it; off: none. */
  LIVE_FANOUT: z.enum(["invoke", "inline", "off"]).default("invoke"),
  LIVE_FANOUT_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(32),
  /** API Gateway closes a WebSocket after 2 h; a registration never outlives that. */
  LIVE_CONNECTION_TTL_SECONDS: z.coerce.number().int().min(10).max(7_200).default(7_200),
  /** Set by the Lambda runtime; used to sign the one Invoke API call of the live feed. */
  AWS_REGION: z.string().default("us-east-1"),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  /** Set by the Lambda runtime (and serverless-offline): this code runs as a function. */
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
  /** The site's origin: tokens are bearer headers, never cookies, and only the site may read answers. */
  CORS_ORIGIN: z.string().default("http://localhost:4321"),
  // Identity (issue 13, see functions/src/platform/auth.ts). Production: the provider's JWKS_URL;
  // development: the local public key set inline (JWT_JWKS), written by scripts/lib/dev-keys.ts.
  JWKS_URL: optionalUrl.optional(),
  JWT_JWKS: z
    .string()
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .optional(),
  JWT_ISSUER: z.string().trim().optional(),
  JWT_AUDIENCE: z.string().trim().optional(),
  /** Where the role is: a claim holding `viewer`/`editor`/`admin`, or a list of group names. */
  JWT_ROLE_CLAIM: z.string().trim().min(1).default("role"),
  JWT_NAME_CLAIM: z.string().trim().min(1).default("name"),
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  AUTH_REALM: z
    .string()
    .regex(/^[\w .-]{1,64}$/)
    .default("million-tasks"),
  /** Local only: seed, maintain and broadcast refuse invocations without it. Unset on AWS (IAM). */
  CONTROL_SECRET: z
    .string()
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .optional(),
  // Rate limits (issue 14, see functions/src/platform/rate-limit.ts): points per window, per actor
  // (per client IP for requests that fail authentication). Generous for a person clicking around.
  RATE_LIMITS: z
    .enum(["on", "off"])
    .default("on")
    .transform((value) => value === "on"),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  RATE_LIMIT_READ: z.coerce.number().int().min(1).default(3_000),
  RATE_LIMIT_WRITE: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(1).default(30),
  RATE_LIMIT_WS_MESSAGES: z.coerce.number().int().min(1).default(600),
  /** Off only to measure the audit's cost (`npm run bench -- --costs`); every deployment keeps it on. */
  AUDIT_WRITES: z
    .enum(["on", "off"])
    .default("on")
    .transform((value) => value === "on"),
  // Background jobs (issue 16, see functions/src/jobs/): bulk edits, exports, imports.
  /** The worker function that drains the job queue; enqueuing wakes it with an asynchronous invoke. */
  JOB_WORKER_FUNCTION_NAME: z.string().default("million-tasks-dev-jobWorker"),
  /** invoke: enqueuing wakes the worker at once; off: only the schedule (every minute) drains the queue. */
  JOB_WAKE: z.enum(["invoke", "off"]).default("invoke"),
  /** Tasks per keyset chunk of a bulk job: one transaction, one cache write-through, one progress event. */
  JOB_CHUNK_SIZE: z.coerce.number().int().min(1).max(50_000).default(2_000),
  /**
   * Connections a bulk job's chunks run on at once, each over its own share of the job's ranges.
   * One by default: on 2 cores a second lane made a 100,000-task job ~30% faster (8-11 s instead of
   * 10-13 s) and other users' p99 during it 5-6x their idle p99 instead of 2-3x (README).
   */
  JOB_LANES: z.coerce.number().int().min(1).max(8).default(1),
  /**
   * Equal id ranges of a bulk job per lane; each chunk takes its share from every range of its lane.
   * Spread out, the dead index entries a chunk leaves stay thin at the ends of every ordering, which
   * is where other users' pages start (migration 019 stores the ranges).
   */
  JOB_STRIPES: z.coerce.number().int().min(1).max(64).default(16),
  /**
   * Share of its time a bulk job's lane works; after each chunk it rests the remainder. At 0.6 a
   * 100,000-task job took 15.5-17.6 s instead of 9.8-11.1 s on 2 cores, and other users' reads
   * during it had p50 8 ms instead of 11 and p99 34 ms instead of 44 (README: bulk jobs).
   * 1 runs chunks back to back, for a worker whose database has cores to spare.
   */
  JOB_DUTY: z.coerce.number().min(0.1).max(1).default(0.6),
  /**
   * A queued job locked longer than this belongs to a worker invocation that died (the jobWorker
   * function's timeout is 900 s): the next drain unlocks and runs it again (jobs/queue.ts).
   */
  JOB_STALE_LOCK_SECONDS: z.coerce.number().int().min(60).max(14_400).default(960),
  /** Attempts of a job before it is failed (graphile-worker backs off e^attempt seconds between them). */
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(3),
  /** Where exports are written locally (on AWS: /tmp, then an S3 object; see README). */
  EXPORT_DIR: z.string().trim().min(1).default(".data/exports"),
  /**
   * One JSON line per request. Default: on in AWS, off under serverless-offline (IS_OFFLINE), where
   * the terminal is for people; the live figures on /ops show the traffic instead.
   */
  LOG_REQUESTS: z.enum(["true", "false"]).optional(),
  /** Set by serverless-offline in every function it runs. */
  IS_OFFLINE: z.string().optional(),
  /**
   * CloudWatch metrics (Embedded Metric Format on stdout, Powertools). Powertools' own switch; unset,
   * they are on in a Lambda runtime and off under serverless-offline and in tests, where nothing
   * collects them.
   */
  POWERTOOLS_METRICS_DISABLED: z.enum(["true", "false"]).optional(),
  // Operations figures (issue 17, functions/src/ops/): per-route counts and latency histograms in
  // Redis, and the warm-up of the cache after Redis was flushed or restarted.
  OPS_METRICS: z
    .enum(["on", "off"])
    .default("on")
    .transform((value) => value === "on"),
  OPS_WARM: z
    .enum(["on", "off"])
    .default("on")
    .transform((value) => value === "on"),
  /** How many of the last hour's most read tasks and list pages a warm-up loads. */
  OPS_WARM_TASKS: z.coerce.number().int().min(0).max(50_000).default(5_000),
  OPS_WARM_PAGES: z.coerce.number().int().min(0).max(1_000).default(100),
});

const parsed = ConfigSchema.parse(process.env);
const offline = parsed.IS_OFFLINE !== undefined && parsed.IS_OFFLINE !== "" && parsed.IS_OFFLINE !== "false";
// A cluster named by its nodes alone still counts as "Redis configured" everywhere REDIS_URL is asked.
if (parsed.REDIS_CLUSTER_NODES && !parsed.REDIS_URL) {
  parsed.REDIS_URL = `redis+cluster://${parsed.REDIS_CLUSTER_NODES.split(",")[0]}`;
}
export const config = {
  ...parsed,
  LOG_REQUESTS: parsed.LOG_REQUESTS === undefined ? !offline : parsed.LOG_REQUESTS === "true",
  /** Whether Powertools Metrics writes EMF: its own switch when set, else only outside serverless-offline. */
  EMF_METRICS:
    parsed.POWERTOOLS_METRICS_DISABLED === undefined
      ? !offline
      : parsed.POWERTOOLS_METRICS_DISABLED === "false",
};

export type Config = typeof config;

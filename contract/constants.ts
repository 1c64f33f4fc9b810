// The API's vocabulary as plain values: what the functions validate against and the web offers,
// importable anywhere without pulling zod into a bundle (the browser imports this file, and
// schemas.ts builds the validators from it). Limits mirror the CHECK constraints in infra/migrations
// so that a request the schema accepts can never violate the table.

export const TASK_STATUSES = ["todo", "in_progress", "blocked", "done"] as const;
export const TASK_PRIORITIES = ["low", "medium", "high", "urgent"] as const;
export const SORT_KEYS = ["createdAt", "updatedAt", "dueAt", "priority", "title", "status"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export type SortKey = (typeof SORT_KEYS)[number];
/** `sort=<key>` ascending, `sort=-<key>` descending. */
export const DEFAULT_SORT = "-createdAt";

/** The one list of filters: query parameters, cursors, cache keys, counts and the SQL go by it. */
export const LIST_FILTER_KEYS = [
  "status",
  "priority",
  "assignee",
  "tag",
  "dueAfter",
  "dueBefore",
  "q",
] as const;
export type ListFilterKey = (typeof LIST_FILTER_KEYS)[number];
/** Filters that take a comma-separated set of values. */
export const LIST_SET_FILTERS = ["status", "priority"] as const;
/** At most this many values in a set filter (`status=todo,done`). */
export const MAX_SET_FILTER_VALUES = 8;

export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 10_000;
export const MAX_TAGS = 10;
export const MAX_TAG = 40;
export const MAX_ASSIGNEE = 100;
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;
/** Positions are row numbers; 10^9 is far beyond any table this system serves and keeps SQL in int8. */
export const MAX_POSITION = 1_000_000_000;
export const MAX_QUERY = 200;
export const MAX_CURSOR = 2_000;

/** A task id: a positive bigint, sent as a string of digits. */
export const TASK_ID_PATTERN = /^[1-9]\d{0,18}$/;
export const MAX_TASK_ID = 9_223_372_036_854_775_807n;

/** A task's version as its strong ETag: "3". */
export const etagOf = (version: number): string => `"${version}"`;
/** If-Match / If-None-Match values the API understands: "3", W/"3", or 3 (a bare version). */
export const VERSION_TAG_PATTERN = /^(?:W\/)?"?(\d{1,9})"?$/;

/** Idempotency-Key on POST /tasks: 1-200 visible ASCII characters; a repeat replays the first answer. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** Request headers the handlers read (lower case, as the API receives them after normalisation). */
export const REQUEST_HEADERS = {
  idempotencyKey: "idempotency-key",
  ifMatch: "if-match",
  ifNoneMatch: "if-none-match",
  /** On a read, with a replica configured: read what the write that answered this X-Write-LSN wrote. */
  readAfterLsn: "x-read-after-lsn",
} as const;

/** Response headers the API sets and the browser may read (CORS exposes them). */
export const RESPONSE_HEADERS = {
  etag: "ETag",
  location: "Location",
  idempotentReplayed: "Idempotent-Replayed",
  cache: "X-Cache",
  serverTiming: "Server-Timing",
  retryAfter: "Retry-After",
  /** The caller's limit and what is left of it (IETF RateLimit fields, draft 10/11). */
  rateLimit: "RateLimit",
  rateLimitPolicy: "RateLimit-Policy",
  /** With a replica configured: where a successful write committed, and where a read was answered. */
  writeLsn: "X-Write-LSN",
  readSource: "X-Read-Source",
} as const;

/** A WAL position as PostgreSQL prints one (pg_lsn): two hex numbers of up to 8 digits. */
export const WAL_POSITION_PATTERN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

/** X-Cache: where a read's answer came from (partial: some of a page's tasks came from PostgreSQL). */
export const CACHE_OUTCOMES = ["hit", "miss", "partial", "bypass"] as const;
export type CacheOutcome = (typeof CACHE_OUTCOMES)[number];

/**
 * The trigram index answers a substring search only through a run of 3 letters or digits: anything
 * shorter (or a term of wildcards and punctuation) would read every title, so it is refused.
 */
export const MIN_SEARCH_RUN = 3;
const SEARCHABLE = new RegExp(`[\\p{L}\\p{N}]{${MIN_SEARCH_RUN}}`, "u");
/** True when `q` can be searched (see MIN_SEARCH_RUN); the site waits for such a term. */
export const isSearchableTerm = (term: string): boolean => SEARCHABLE.test(term);
/** tasks.version is a PostgreSQL integer. */
export const MAX_VERSION = 2_147_483_647;

/** At most this many ids in a selection's `ids` or `except` (the 64 KB body limit holds ~5,000). */
export const MAX_SELECTION_IDS = 5_000;
/** Bulk jobs read and write tasks in keyset chunks of this many, one transaction each. */
export const BULK_CHUNK = 2_000;
/** POST /tasks/import takes at most this many bytes of CSV: API Gateway (and serverless-offline) refuse payloads over 10 MiB. */
export const MAX_IMPORT_BYTES = 10_000_000;
/** And at most this many rows (10 MB of short rows). */
export const MAX_IMPORT_ROWS = 100_000;
/** The columns of an export, in order; an import's header names some of them (title at least). */
export const EXPORT_COLUMNS = [
  "id",
  "title",
  "description",
  "status",
  "priority",
  "assignee",
  "tags",
  "dueAt",
  "expiresAt",
  "createdAt",
  "updatedAt",
  "version",
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
/** Export formats: CSV (header row, tags as a JSON array) or one JSON task per line. */
export const EXPORT_FORMATS = ["csv", "ndjson"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const JOB_KINDS = ["bulk", "export", "import"] as const;
export type JobKind = (typeof JOB_KINDS)[number];
/** queued -> running -> completed | failed | cancelled (a failed attempt is retried while queued). */
export const JOB_STATES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_JOB_STATES = ["completed", "failed", "cancelled"] as const;
/** Facets list the most frequent assignees and tags, this many each. */
export const FACET_TOP = 20;
/** Columns a saved view can show, resize, reorder and hide. */
export const VIEW_COLUMNS = [
  "id",
  "title",
  "status",
  "priority",
  "assignee",
  "tags",
  "dueAt",
  "expiresAt",
  "createdAt",
  "updatedAt",
  "version",
  "description",
] as const;
export type ViewColumn = (typeof VIEW_COLUMNS)[number];
export const MAX_VIEW_NAME = 100;
export const MAX_VIEWS_PER_ACTOR = 200;
export const MIN_COLUMN_WIDTH = 40;
export const MAX_COLUMN_WIDTH = 2_000;

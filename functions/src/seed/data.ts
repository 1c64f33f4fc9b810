// Deterministic task rows for seeding, produced as PostgreSQL COPY text. Row i of a load depends
// only on (seed, i, count, anchor), so any chunk can be generated on its own, in any order, and a
// retry produces the same bytes. No I/O here; the loader streams what this module produces.
//
// Titles and descriptions come from word lists, so `q=invoice` finds a real subset (~1/150 of the
// rows) while a random string finds nothing; a small vocabulary also keeps the trigram index small
// (few distinct trigrams), which is most of what a fresh load costs.

export const STATUS_WEIGHTS = { todo: 35, in_progress: 20, blocked: 5, done: 40 } as const;
/** low, medium, high, urgent (stored as 0..3). */
export const PRIORITY_WEIGHTS = [25, 45, 22, 8] as const;
export const ASSIGNEE_COUNT = 500;
/** Share of tasks with an assignee, a due date, and an expiry (always in the future). */
export const ASSIGNED_SHARE = 0.85;
export const DUE_SHARE = 0.65;
export const EXPIRING_SHARE = 0.01;
/** Titles with a qualifier ("... for Q3"); short titles also keep the trigram index small. */
export const QUALIFIED_SHARE = 0.3;
/** Creation times span this window ending at the anchor. */
export const CREATED_SPAN_DAYS = 730;

const VERBS = [
  "Fix",
  "Review",
  "Update",
  "Write",
  "Refactor",
  "Investigate",
  "Design",
  "Implement",
  "Test",
  "Document",
  "Migrate",
  "Deploy",
  "Remove",
  "Optimize",
  "Audit",
  "Prepare",
  "Plan",
  "Draft",
  "Clean up",
  "Automate",
  "Monitor",
  "Upgrade",
  "Configure",
  "Validate",
  "Archive",
  "Translate",
  "Benchmark",
  "Backport",
  "Prototype",
  "Schedule",
  "Approve",
  "Publish",
  "Reconcile",
  "Triage",
  "Debug",
  "Profile",
  "Rename",
  "Simplify",
  "Secure",
  "Estimate",
];
const ADJECTIVES = [
  "flaky",
  "slow",
  "legacy",
  "new",
  "mobile",
  "quarterly",
  "internal",
  "public",
  "broken",
  "duplicate",
  "missing",
  "nightly",
  "shared",
  "regional",
  "beta",
  "customer",
  "partner",
  "annual",
  "urgent",
  "optional",
  "experimental",
  "default",
  "secondary",
  "offline",
  "encrypted",
  "cached",
  "weekly",
  "global",
  "onboarding",
  "billing",
];
const NOUNS = [
  "invoice",
  "login",
  "dashboard",
  "report",
  "budget",
  "checkout",
  "search",
  "signup",
  "payment",
  "export",
  "import",
  "API",
  "webhook",
  "database",
  "index",
  "migration",
  "backup",
  "release",
  "roadmap",
  "newsletter",
  "landing page",
  "pricing page",
  "sitemap",
  "cache",
  "queue",
  "scheduler",
  "notification",
  "email template",
  "password reset",
  "audit log",
  "permission model",
  "role editor",
  "data pipeline",
  "metrics",
  "alerting",
  "runbook",
  "incident review",
  "onboarding flow",
  "style guide",
  "design system",
  "icon set",
  "color palette",
  "font loading",
  "image upload",
  "file storage",
  "CDN config",
  "DNS records",
  "TLS certificates",
  "load balancer",
  "autoscaling",
  "container image",
  "CI pipeline",
  "test suite",
  "unit tests",
  "integration tests",
  "e2e tests",
  "linter rules",
  "dependency updates",
  "security scan",
  "license review",
  "contract",
  "proposal",
  "vendor list",
  "hiring plan",
  "interview loop",
  "offsite agenda",
  "sprint goals",
  "retro notes",
  "customer survey",
  "support macros",
  "FAQ",
  "help center",
  "chat widget",
  "mobile app",
  "tablet layout",
  "dark mode",
  "accessibility",
  "localization",
  "timezone handling",
  "currency format",
  "tax rules",
  "refund flow",
  "subscription",
  "trial expiry",
  "usage limits",
  "rate limiter",
  "session store",
  "feature flags",
  "A/B test",
  "analytics events",
  "tracking plan",
  "SEO audit",
  "blog post",
  "press release",
  "case study",
  "webinar",
  "demo script",
  "sales deck",
  "price list",
  "partner portal",
  "admin panel",
  "user profile",
  "avatar upload",
  "comment thread",
  "activity feed",
  "calendar sync",
  "reminder emails",
  "PDF export",
  "CSV import",
  "bulk edit",
  "keyboard shortcuts",
  "search ranking",
  "autocomplete",
  "spell check",
  "print layout",
  "map view",
  "kanban board",
  "gantt chart",
  "time tracking",
  "expense report",
  "payroll",
  "inventory",
  "shipping labels",
  "warehouse sync",
  "order history",
  "wishlist",
  "coupon codes",
  "gift cards",
  "loyalty points",
  "fraud checks",
  "KYC flow",
  "consent banner",
  "privacy policy",
  "terms of service",
  "SLA report",
  "uptime page",
  "status page",
  "on-call rotation",
  "postmortem",
  "capacity plan",
  "cost report",
  "cloud budget",
  "storage quota",
  "log retention",
  "error budget",
  "latency dashboard",
  "heap profile",
];
const QUALIFIERS = [
  "for release 4.2",
  "before launch",
  "for EU customers",
  "on Android",
  "on iOS",
  "in staging",
  "in production",
  "for Q3",
  "for Q4",
  "after the migration",
  "for the board",
  "with finance",
  "for enterprise plan",
  "behind a flag",
  "v2",
  "again",
  "in Safari",
  "for partners",
];
const SENTENCES = [
  "Customers reported that the {n} is {a} after the last release.",
  "See the linked thread for context and the original {n} discussion.",
  "Steps to reproduce: open the {n}, switch to the {a} view and wait.",
  "Acceptance: the {n} works offline and the {a} path is covered by tests.",
  "Blocked until the {n} owner signs off on the {a} variant.",
  "This touches the {n} and probably the {a} {n2} as well.",
  "Estimate is two days including review of the {n}.",
  "Keep the old {n} running until the {a} one has been verified.",
  "Metrics show a regression in the {n} since Tuesday.",
  "Pair with design on the {a} {n} before implementation.",
  "Follow up from the incident review about the {n}.",
  "Low risk; the {n} change can ship behind a flag.",
];
const FIRST_NAMES = [
  "ada",
  "alan",
  "grace",
  "linus",
  "margaret",
  "dennis",
  "barbara",
  "ken",
  "frances",
  "edsger",
  "donald",
  "radia",
  "tim",
  "katherine",
  "guido",
  "anita",
  "bjarne",
  "hedy",
  "john",
  "shafi",
  "leslie",
  "sophie",
  "niklaus",
  "adele",
  "james",
  "lynn",
  "yukihiro",
  "karen",
  "brian",
  "joan",
  "robert",
  "mary",
  "rob",
  "jean",
  "larry",
  "carol",
  "steve",
  "ellen",
  "david",
  "susan",
  "andrew",
  "lin",
  "peter",
  "mei",
  "omar",
  "priya",
  "ivan",
  "fatima",
  "lars",
  "aiko",
];
const LAST_NAMES = [
  "lovelace",
  "turing",
  "hopper",
  "torvalds",
  "hamilton",
  "ritchie",
  "liskov",
  "thompson",
  "allen",
  "dijkstra",
];
const TAGS = [
  "frontend",
  "backend",
  "bug",
  "feature",
  "chore",
  "docs",
  "security",
  "performance",
  "ux",
  "design",
  "infra",
  "devops",
  "data",
  "mobile",
  "api",
  "billing",
  "growth",
  "support",
  "legal",
  "finance",
  "marketing",
  "sales",
  "research",
  "tech-debt",
  "needs-review",
  "good-first-issue",
  "customer",
  "regression",
  "q3",
  "q4",
  "a11y",
  "i18n",
  "ops",
  "testing",
  "release",
  "hotfix",
  "spike",
  "epic",
  "backlog",
  "blocked-external",
];

/** The ~500 assignees, "first.last", in a fixed order. */
export const ASSIGNEES: readonly string[] = FIRST_NAMES.flatMap((first) =>
  LAST_NAMES.map((last) => `${first}.${last}`),
).slice(0, ASSIGNEE_COUNT);

/** Every word a generated title can contain; a search for a string outside it finds nothing. */
export const TITLE_WORDS: readonly string[] = [...VERBS, ...ADJECTIVES, ...NOUNS, ...QUALIFIERS];
export const SEED_NOUNS: readonly string[] = NOUNS;
export const SEED_TAGS: readonly string[] = TAGS;

const STATUS_TABLE = weightedTable(
  Object.entries(STATUS_WEIGHTS).map(([status, weight]) => [status, weight]),
);
const PRIORITY_TABLE = weightedTable(PRIORITY_WEIGHTS.map((weight, rank) => [String(rank), weight]));

/** A 100-slot lookup so a weighted pick is one multiplication. */
function weightedTable(entries: [string, number][]): string[] {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  const table: string[] = [];
  for (const [value, weight] of entries) {
    for (let i = 0; i < Math.round((weight / total) * 100); i += 1) table.push(value);
  }
  return table;
}

export interface SeedSpec {
  /** Rows in the whole load; creation times are spread over the window by row number. */
  count: number;
  seed: number;
  /** The instant the data is relative to (epoch ms); every chunk of one load uses the same one. */
  anchorMs: number;
  /** Emit the id column (row i gets id firstId + i); appends let the identity assign ids instead. */
  firstId?: number;
}

/** Column order of a COPY line, with or without id. */
export const COPY_COLUMNS = [
  "title",
  "description",
  "status",
  "priority",
  "assignee",
  "tags",
  "due_at",
  "expires_at",
  "created_at",
  "updated_at",
  "version",
] as const;

const US_PER_MS = 1_000;
const US_PER_DAY = 86_400_000_000;
const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const dayCache = new Map<number, string>();

/** timestamptz COPY text for microseconds since the epoch, without Date objects per row. */
export function formatMicros(us: number): string {
  const day = Math.floor(us / US_PER_DAY);
  let date = dayCache.get(day);
  if (date === undefined) {
    date = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (dayCache.size > 20_000) dayCache.clear();
    dayCache.set(day, date);
  }
  let rest = us - day * US_PER_DAY;
  const micros = rest % 1_000_000;
  rest = (rest - micros) / 1_000_000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  const high = Math.floor(micros / 10_000);
  const low = micros - high * 10_000;
  const mid = Math.floor(low / 100);
  return `${date} ${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${TWO[high]}${TWO[mid]}${TWO[low - mid * 100]}+00`;
}

/** mulberry32 state seeded from (seed, row) through a murmur-style finalizer. */
function rowState(seed: number, row: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(row + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

// One generator runs at a time per thread, so the PRNG state lives at module level instead of in a
// closure allocated per row (a measurable share of the generation time at 10M rows).
let state = 0;
/** mulberry32: the next number in [0, 1). */
function next(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
function pick<T>(list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

/** Sentence templates split at their slots: [text, slot, text, slot, ..., text]. */
const SENTENCE_PARTS = SENTENCES.map((sentence) => sentence.split(/\{(n2|n|a)\}/));

function sentence(noun: string): string {
  const parts = SENTENCE_PARTS[Math.floor(next() * SENTENCE_PARTS.length)] as string[];
  let text = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    const slot = parts[i];
    text += (slot === "n" ? noun : slot === "a" ? pick(ADJECTIVES) : pick(NOUNS)) + (parts[i + 1] as string);
  }
  return text;
}

/**
 * Rows [from, to) of a load as COPY text, batched into strings of about `batchRows` lines so the
 * caller can respect backpressure between batches.
 */
export function* copyText(
  spec: SeedSpec,
  from: number,
  to: number,
  batchRows = 2_000,
  /** Incremented per generated row under "status:priority". */
  tally?: Map<string, number>,
): Generator<string> {
  const anchorUs = spec.anchorMs * US_PER_MS;
  const spanUs = CREATED_SPAN_DAYS * US_PER_DAY;
  const startUs = anchorUs - spanUs;
  const stepUs = spanUs / Math.max(spec.count, 1);
  const jitterUs = Math.min(stepUs, 1_000_000);
  const withId = spec.firstId !== undefined;
  const firstId = spec.firstId ?? 0;
  let batch = "";
  let inBatch = 0;
  for (let row = from; row < to; row += 1) {
    state = rowState(spec.seed, row);
    const noun = pick(NOUNS);
    const adjective = next() < 0.45 ? `${pick(ADJECTIVES)} ` : "";
    const qualifier = next() < QUALIFIED_SHARE ? pick(QUALIFIERS) : "";
    const title = `${pick(VERBS)} ${adjective}${noun}${qualifier === "" ? "" : ` ${qualifier}`}`;

    const sentences = Math.floor(next() * 4);
    let description = sentences > 0 ? sentence(noun) : "";
    for (let s = 1; s < sentences; s += 1) description += ` ${sentence(noun)}`;

    const status = pick(STATUS_TABLE);
    const priority = pick(PRIORITY_TABLE);
    if (tally) {
      const key = `${status}:${priority}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    // Skewed so a few people carry many tasks, as in real teams.
    const assignee =
      next() < ASSIGNED_SHARE ? ASSIGNEES[Math.floor(next() ** 1.6 * ASSIGNEES.length)] : "\\N";
    const tagCount = Math.floor(next() * next() * 5);
    let tags = "{";
    let lastTag = -1;
    for (let t = 0; t < tagCount; t += 1) {
      // Ascending indexes: distinct tags without a set.
      const index = lastTag + 1 + Math.floor(next() * ((TAGS.length - lastTag - 1) / (tagCount - t)));
      if (index >= TAGS.length) break;
      tags += t === 0 ? TAGS[index] : `,${TAGS[index]}`;
      lastTag = index;
    }
    tags += "}";

    const createdUs = Math.floor(startUs + row * stepUs + next() * jitterUs);
    const age = anchorUs - createdUs;
    const touched = status !== "todo" || next() < 0.3;
    const updatedUs = touched ? createdUs + Math.floor(next() * Math.min(age, 60 * US_PER_DAY)) : createdUs;
    const version = touched ? 2 + Math.floor(next() * 4) : 1;
    // Due dates on whole hours, from ten days before creation to four months after.
    const dueUs =
      next() < DUE_SHARE
        ? Math.floor((createdUs + (next() * 130 - 10) * US_PER_DAY) / 3_600_000_000) * 3_600_000_000
        : -1;
    const expiresUs =
      next() < EXPIRING_SHARE ? anchorUs + Math.floor((1 / 24 + next() * 90) * US_PER_DAY) : -1;

    batch += `${withId ? `${firstId + row}\t` : ""}${title}\t${description}\t${status}\t${priority}\t${assignee}\t${tags}\t${
      dueUs < 0 ? "\\N" : formatMicros(dueUs)
    }\t${expiresUs < 0 ? "\\N" : formatMicros(expiresUs)}\t${formatMicros(createdUs)}\t${formatMicros(updatedUs)}\t${version}\n`;
    inBatch += 1;
    if (inBatch >= batchRows) {
      yield batch;
      batch = "";
      inBatch = 0;
    }
  }
  if (inBatch > 0) yield batch;
}

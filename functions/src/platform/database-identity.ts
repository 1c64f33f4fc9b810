// Which database this process talks to, as a short name for the cache's key spaces (issue 11,
// finding 4): two databases behind one Redis, a restored dump or a recreated volume must never read
// each other's cache. The name hashes a random token kept in the database itself (migration 010,
// rotated by a replacing seed) with the database's oid, which a dump restored into a new database
// does not keep. The only SQL on cache_identity.
import { createHash } from "node:crypto";
import { type Queryable, query } from "./db";

export interface DatabaseIdentity {
  /** Names the current key space. */
  current: string;
  /** The identity a rotation replaced (its key space is retired), or null before any rotation. */
  previous: string | null;
  /** Names the live feed's key space: never rotated (migration 017). */
  live: string;
}

const name = (token: string, oid: string): string =>
  createHash("sha256").update(`${token}/${oid}`).digest("base64url").slice(0, 12);

/** The live name, once any read found it: it never changes for a database (migration 017). */
let knownLive: string | undefined;
let liveReading: Promise<string> | undefined;

/**
 * The live feed's name for this database: free once the cache has read the identity (its first use
 * in a process), otherwise one read shared by concurrent callers, retried by the next after a failure.
 */
export function liveIdentity(): Promise<string> {
  if (knownLive) return Promise.resolve(knownLive);
  if (!liveReading) {
    const reading = readDatabaseIdentity().then((identity) => identity.live);
    liveReading = reading;
    reading.catch(() => {
      if (liveReading === reading) liveReading = undefined;
    });
  }
  return liveReading;
}

/** One primary-key read; the cache calls it once per process and again only after a rotation. */
export async function readDatabaseIdentity(): Promise<DatabaseIdentity> {
  const result = await query<{
    token: string;
    previous_token: string | null;
    live_token: string;
    oid: string;
  }>(
    `select token, previous_token, live_token,
            (select oid::text from pg_database where datname = current_database()) as oid
     from cache_identity`,
  );
  const row = result.rows[0];
  if (!row) throw new Error("cache_identity is empty: run npm run db:migrate");
  knownLive = name(row.live_token, row.oid);
  return {
    current: name(row.token, row.oid),
    previous: row.previous_token === null ? null : name(row.previous_token, row.oid),
    live: knownLive,
  };
}

/** A new identity in the caller's transaction (a replacing seed's swap): every old key is unreachable. */
export async function rotateDatabaseIdentity(client: Queryable): Promise<void> {
  await client.query(
    `update cache_identity
     set previous_token = token, token = gen_random_uuid()::text, rotated_at = now()`,
  );
}

// The operations figures' Redis keys, per database (D = a hash of DATABASE_URL): two stacks behind
// one Redis never mix their figures or warm each other's hot sets. Not the cache's database identity,
// which costs a PostgreSQL read: every HTTP function records figures, and one that never touches the
// database (ping, health) must not open a connection for them. One hash tag, {mt:ops:D}, puts them
// all in one Redis Cluster slot, so a flush's script and the snapshot's pipeline never cross slots.
//
//   {mt:ops:D}:s:<slot>     hash per 10 s slot: <route>|n, |4xx, |5xx, |b<i> (latency bucket i),
//                         |c:<outcome> (X-Cache), a|p:<position>, a|cur, a|s:<sort>, a|f:<filter>,
//                         p|w (pool waits), p|wms; kept 16 min
//   {mt:ops:D}:ht:<minute>  sorted set of task ids read in that minute (by reads), capped; kept 61 min
//   {mt:ops:D}:hp:<minute>  the same for list queries (a canonical query string)
//   {mt:ops:D}:ht:top|hp:top  the union of the last hour, refreshed by one process at a time
//   {mt:ops:D}:top:lock     who refreshes it
//   {mt:ops:D}:alive        a random token, set by the first flush into an empty Redis: a process that
//                         finds another token than it saw last knows Redis lost its data meanwhile
//   {mt:ops:D}:warm         the last warm-up (at, tasks, pages, ms); :warm:lock:<token> who runs it
import { createHash } from "node:crypto";
import { OPS_SLOT_SECONDS } from "#contract/ops";
import { config } from "../platform/config";

export const opsKeys = (db: string) => {
  const p = `{mt:ops:${db}}`;
  return {
    slot: (slot: number) => `${p}:s:${slot}`,
    hotTasks: (minute: number) => `${p}:ht:${minute}`,
    hotPages: (minute: number) => `${p}:hp:${minute}`,
    hotTasksTop: `${p}:ht:top`,
    hotPagesTop: `${p}:hp:top`,
    topLock: `${p}:top:lock`,
    alive: `${p}:alive`,
    warm: `${p}:warm`,
    warmLock: (token: string) => `${p}:warm:lock:${token}`,
  };
};
export type OpsKeys = ReturnType<typeof opsKeys>;

/** This stack's keys: its database named by a hash of DATABASE_URL (credentials never reach Redis). */
export const currentOpsKeys = (): OpsKeys =>
  opsKeys(createHash("sha256").update(config.DATABASE_URL).digest("base64url").slice(0, 12));

export const slotOf = (ms: number): number => Math.floor(ms / (OPS_SLOT_SECONDS * 1_000));
export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

/** Slots live a little longer than the longest window. */
export const SLOT_TTL_MS = 16 * 60_000;
export const HOT_TTL_MS = 61 * 60_000;

// The operations figures' Redis keys. One hash tag, {mt:ops}, puts them all in one Redis Cluster
// slot, so a flush's script and the snapshot's pipeline never cross slots.
//
//   {mt:ops}:s:<slot>     hash per 10 s slot: <route>|n, |4xx, |5xx, |b<i> (latency bucket i),
//                         |c:<outcome> (X-Cache), a|p:<position>, a|cur, a|s:<sort>, a|f:<filter>,
//                         p|w (pool waits), p|wms; kept 16 min
//   {mt:ops}:ht:<minute>  sorted set of task ids read in that minute (by reads), capped; kept 61 min
//   {mt:ops}:hp:<minute>  the same for list queries (a canonical query string)
//   {mt:ops}:ht:top|hp:top  the union of the last hour, refreshed by one process at a time
//   {mt:ops}:top:lock     who refreshes it
//   {mt:ops}:alive        missing after a flush or a restart of Redis: whoever notices warms the cache
//   {mt:ops}:warm         the last warm-up (at, tasks, pages, ms)
import { OPS_SLOT_SECONDS } from "#contract/ops";

const P = "{mt:ops}";

export const opsKeys = {
  slot: (slot: number) => `${P}:s:${slot}`,
  hotTasks: (minute: number) => `${P}:ht:${minute}`,
  hotPages: (minute: number) => `${P}:hp:${minute}`,
  hotTasksTop: `${P}:ht:top`,
  hotPagesTop: `${P}:hp:top`,
  topLock: `${P}:top:lock`,
  alive: `${P}:alive`,
  warm: `${P}:warm`,
};

export const slotOf = (ms: number): number => Math.floor(ms / (OPS_SLOT_SECONDS * 1_000));
export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

/** Slots live a little longer than the longest window. */
export const SLOT_TTL_MS = 16 * 60_000;
export const HOT_TTL_MS = 61 * 60_000;

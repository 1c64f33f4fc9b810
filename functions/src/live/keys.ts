// Every key of the live feed (store.ts uses them). L names the database (platform/database-identity.ts,
// migration 017), so two databases behind one Redis keep separate feeds; `{mt:live:L}` is a hash tag,
// so a Redis Cluster keeps them in one slot: the publish script touches seven of them at once.
//
//   {mt:live:L}:seq              last event number (INCR inside the publish script)
//   {mt:live:L}:events           stream of events, id "<seq>-1", capped at ~10,000 (replay on reconnect)
//   {mt:live:L}:t:<gen>:<id>     "<version> <status>" of the last event published for a task, or "D"
//   {mt:live:L}:gen              the table's generation: a replacing seed restarts ids, and a new task
//                                must not inherit the marks of the old task that had its id
//   {mt:live:L}:conns            sorted set of connection ids by expiry (ms)
//   {mt:live:L}:endpoints        hash connection id -> postToConnection endpoint
//   {mt:live:L}:counters         hash of counters incremented by every write (HINCRBY, atomic)
//   {mt:live:L}:counters:pg      hash of the highest values read from PostgreSQL's task_activity
//   {mt:live:L}:drain:lock|cursor  the one running fan-out and the last event it delivered
import { liveIdentity } from "../platform/database-identity";

export const liveKeys = (db: string) => {
  const p = `{mt:live:${db}}:`;
  return {
    seq: `${p}seq`,
    events: `${p}events`,
    task: (generation: string, id: string) => `${p}t:${generation}:${id}`,
    generation: `${p}gen`,
    conns: `${p}conns`,
    endpoints: `${p}endpoints`,
    counters: `${p}counters`,
    pgCounters: `${p}counters:pg`,
    lock: `${p}drain:lock`,
    cursor: `${p}drain:cursor`,
  };
};
export type LiveKeys = ReturnType<typeof liveKeys>;

/** The live keys of the database this process uses (platform/database-identity.ts reads it once). */
export async function currentLiveKeys(): Promise<LiveKeys> {
  return liveKeys(await liveIdentity());
}

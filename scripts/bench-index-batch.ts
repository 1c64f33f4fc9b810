// How long one mtBuildBatch call takes into a large work set, per batch size: the number behind the
// rebuild's default batch (functions/src/cache/position-index.ts, CACHE.md). Fills a throwaway work
// set with INDEX_MEMBERS members (default 10,000,000; ~1 GB of Redis memory), then times batches of
// each size appended after them, as a rebuild appends id batches, and deletes the keys again.
//   REDIS_URL=redis://127.0.0.1:6379/11 npx tsx scripts/bench-index-batch.ts
import Redis from "ioredis";
import { indexMember, newToken } from "../functions/src/cache/keys";
import { CACHE_SCRIPTS } from "../functions/src/cache/scripts";

const url = process.env.REDIS_URL;
if (!url) throw new Error("REDIS_URL is required (a database of your own: the work set is large)");
const members = Number(process.env.INDEX_MEMBERS ?? 10_000_000);
const sizes = (process.env.BATCH_SIZES ?? "5000,2000,1000,500").split(",").map(Number);
/** Members written per batch size: the same amount of work for each, so totals compare. */
const perSize = Number(process.env.MEMBERS_PER_SIZE ?? 200_000);

const redis = new Redis(url, { commandTimeout: 60_000 });
redis.defineCommand("mtBuildBatch", CACHE_SCRIPTS.mtBuildBatch);
const batchCall = redis as unknown as { mtBuildBatch: (...args: (string | number)[]) => Promise<number> };

const prefix = `bench:idx:${newToken()}`;
const keys = {
  lock: `${prefix}:lock`,
  build: `${prefix}:build`,
  touched: `${prefix}:touched`,
  exp: `${prefix}:exp`,
};
const token = "bench";
const baseMicros = 1_700_000_000_000_000;
// One task in ten expires (the seed's share is of that order): the exp set grows too.
const expiry = (id: number) => (id % 10 === 0 ? String(1_900_000_000_000 + id) : "");

async function fill(): Promise<void> {
  const started = performance.now();
  for (let from = 1; from <= members; from += 100_000) {
    const pipeline = redis.pipeline();
    for (let at = from; at < Math.min(from + 100_000, members + 1); at += 10_000) {
      const zadd: (string | number)[] = [];
      const exp: (string | number)[] = [];
      for (let id = at; id < Math.min(at + 10_000, members + 1); id += 1) {
        zadd.push(baseMicros + id, indexMember(String(id)));
        const expires = expiry(id);
        if (expires) exp.push(expires, indexMember(String(id)));
      }
      pipeline.zadd(keys.build, ...zadd);
      if (exp.length > 0) pipeline.zadd(keys.exp, ...exp);
    }
    await pipeline.exec();
  }
  console.log(`filled ${members} members in ${Math.round((performance.now() - started) / 1000)} s`);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function measure(): Promise<void> {
  await redis.set(keys.lock, token, "PX", 600_000);
  let next = members + 1;
  for (const size of sizes) {
    const ms: number[] = [];
    for (let written = 0; written < perSize; written += size) {
      const args: string[] = [];
      for (let id = next; id < next + size; id += 1) {
        args.push(String(baseMicros + id), indexMember(String(id)), expiry(id));
      }
      next += size;
      const started = performance.now();
      await batchCall.mtBuildBatch(keys.lock, keys.build, keys.touched, keys.exp, token, 600_000, ...args);
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    const total = ms.reduce((sum, x) => sum + x, 0);
    const round = (x: number) => Math.round(x * 10) / 10;
    console.log(
      `batch ${size}: ${ms.length} calls, p50 ${round(quantile(ms, 0.5))} ms, p95 ${round(quantile(ms, 0.95))} ms, ` +
        `max ${round(ms.at(-1) ?? 0)} ms, ${round((total / (ms.length * size)) * 1000)} µs/member`,
    );
  }
}

async function main(): Promise<void> {
  try {
    await fill();
    await measure();
  } finally {
    await redis.unlink(keys.lock, keys.build, keys.touched, keys.exp);
    await redis.quit();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

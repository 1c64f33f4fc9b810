import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ensureChromium, ensurePostgres, ensureRedis } from "../support/ensure-services";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../support/services";

// `npm test` on a fresh machine starts or installs what does not answer. Each "nothing answers"
// path is driven through a probe target where nothing listens (a free port, a missing path), so
// the shared servers and the system Chromium stay untouched.
const ROOT = path.resolve(__dirname, "../../..");
const FREE_PG_PORT = Number(process.env.TEST_FREE_PG_PORT ?? 5_900 + Math.floor(Math.random() * 50));
const FREE_REDIS_PORT = Number(process.env.TEST_FREE_REDIS_PORT ?? 5_950 + Math.floor(Math.random() * 50));
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe("the services npm test brings", () => {
  it("when PostgreSQL already answers at the test URL, then nothing is started", async () => {
    const result = await ensurePostgres(TEST_DATABASE_URL);
    expect(result.started).toBeNull();
  });

  it("when no PostgreSQL answers at the test URL, then the embedded one serves that URL", async () => {
    await mkdir(path.join(ROOT, ".data"), { recursive: true });
    const parent = await mkdtemp(path.join(ROOT, ".data/test-services-"));
    await chmod(parent, 0o755);
    cleanup.push(() => rm(parent, { recursive: true, force: true }));
    const url = `postgres://postgres@127.0.0.1:${FREE_PG_PORT}/postgres`;
    const result = await ensurePostgres(url, path.join(parent, "postgres"));
    cleanup.push(result.stop);
    expect(result.started).toMatch(/embedded PostgreSQL/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const version = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
    await client.end();
    expect(Number(version.rows[0]?.v)).toBeGreaterThanOrEqual(180_000);
  }, 60_000);

  it("when Redis already answers at the test URL, then nothing is started", async () => {
    expect((await ensureRedis(TEST_REDIS_URL)).started).toBeNull();
  });

  it("when no Redis answers at the test URL, then Debian's redis-server serves it until stopped", async () => {
    const url = `redis://127.0.0.1:${FREE_REDIS_PORT}/3`;
    const result = await ensureRedis(url);
    expect(result.started).toMatch(/redis-server/);
    const { Redis } = await import("ioredis");
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    expect(await redis.ping()).toBe("PONG");
    redis.disconnect();
    await result.stop();
    expect((await ensureRedis(url).then((again) => (cleanup.push(again.stop), again))).started).toMatch(
      /redis-server/,
    );
  });

  it("when the browser exists, then nothing is installed", async () => {
    const chromium = await ensureChromium({ executable: process.execPath, aptGet: "/bin/false" });
    expect(chromium.installed).toBe(false);
  });

  it("when the browser is missing, then apt-get updates its lists and installs Debian's chromium", async () => {
    // A stand-in for apt-get records its calls and "installs" by linking the missing path; the real
    // `apt-get remove chromium` check runs on a machine of its own.
    const dir = await mkdtemp(path.join(os.tmpdir(), "apt-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const browser = path.join(dir, "chromium");
    const calls = path.join(dir, "calls");
    const aptGet = path.join(dir, "apt-get");
    await writeFile(
      aptGet,
      `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> ${calls}\ncase "$*" in *"install"*chromium*) ln -s /bin/true ${browser};; esac\n`,
    );
    await chmod(aptGet, 0o755);
    const chromium = await ensureChromium({ executable: browser, aptGet });
    expect(chromium).toEqual({ installed: true, executable: browser });
    expect((await readFile(calls, "utf8")).trim().split("\n")).toEqual([
      "noninteractive update -qq",
      "noninteractive install -y -qq --no-install-recommends chromium",
    ]);
  });

  it("when installing the browser fails, then the error says what was tried", async () => {
    await expect(
      ensureChromium({ executable: "/nonexistent/chromium", aptGet: "/bin/false" }),
    ).rejects.toThrow(/Installing chromium with \/bin\/false failed/);
  });
});

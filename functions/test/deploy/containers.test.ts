// The fast half of the container checks (npm run test:containers runs the stack with podman): the files are validated
// statically (the compose file against the Compose Specification's JSON schema and dclint, the
// Dockerfiles with dockerfile-utils plus the rules this project holds them to), and the command each
// container runs is run natively, from this checkout, against the real PostgreSQL and Redis.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import Ajv from "ajv";
import { DockerfileParser } from "dockerfile-ast";
import { validate as validateDockerfile } from "dockerfile-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { node24Binary } from "../../../scripts/lib/lambda-package";
import { MIGRATIONS_DIR, migrate } from "../../src/platform/migrations";
import {
  TEST_API_PORT,
  TEST_DATABASE_URL,
  TEST_LAMBDA_PORT,
  TEST_REDIS_URL,
  TEST_WS_PORT,
} from "../support/services";

const ROOT = path.resolve(__dirname, "../../..");
/** The parts of a compose service these tests read. */
interface ComposeService {
  image?: string;
  volumes: string[];
  ports: string[];
  build: { dockerfile: string };
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, unknown>;
  environment?: Record<string, unknown>;
  command?: unknown;
}
const compose = parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8")) as {
  services: Record<"db" | "redis" | "functions" | "web", ComposeService>;
  volumes?: Record<string, unknown>;
};
const DOCKERFILES = ["infra/docker/functions.Dockerfile", "infra/docker/web.Dockerfile"];
const nodeBin = path.dirname(node24Binary());
const PATH_WITH_NODE24 = [path.join(ROOT, "node_modules/.bin"), nodeBin, process.env.PATH].join(
  path.delimiter,
);

let workDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "containers-"));
});

afterAll(async () => {
  await Promise.all(children.map(stopGroup));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): ChildProcess & { output: () => string } {
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  children.push(child);
  return Object.assign(child, { output: () => output });
}

/** Stops a child started here and everything it started (its own process group). */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function waitFor(url: string, child: ChildProcess & { output: () => string }, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${child.output()}`);
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (response) return response;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${child.output()}`);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("docker-compose.yml", () => {
  it("when validated against the Compose Specification schema, then it conforms", () => {
    const schema = JSON.parse(
      readFileSync(path.join(ROOT, "node_modules/dclint/schemas/compose.schema.json"), "utf8"),
    );
    // The schema names draft-07 by a URL Ajv does not know; Ajv's default dialect is draft-07.
    const { $schema: _dialect, ...draft07 } = schema;
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const valid = ajv.validate(draft07, compose);
    expect(ajv.errorsText(ajv.errors, { separator: "\n" }), "schema errors").toBe("No errors");
    expect(valid).toBe(true);
  });

  it("when linted with dclint, then it reports nothing", async () => {
    const child = run(
      path.join(ROOT, "node_modules/.bin/dclint"),
      ["--no-color", "-c", "infra/docker/dclint.json", "--max-warnings", "0", "docker-compose.yml"],
      { ...process.env, PATH: PATH_WITH_NODE24 },
    );
    const code = await exitOf(child);
    expect(child.output().trim()).toBe("");
    expect(code).toBe(0);
  });

  it("when read, then it has the four services wired as the issue asks: health checks, healthy dependencies, named volumes, no secrets", () => {
    const { db, redis, functions, web } = compose.services;
    expect(Object.keys(compose.services).sort()).toEqual(["db", "functions", "redis", "web"]);
    // Official images by default; variables so that stand-ins can replace them (npm run test:containers).
    expect(db.image).toBe("${POSTGRES_IMAGE:-postgres:17-bookworm}");
    expect(redis.image).toMatch(/^\$\{REDIS_IMAGE:-redis:7/);
    expect(db.volumes).toContain("./infra/migrations:/migrations:ro");
    expect(db.volumes).toContain("./infra/docker/db-init:/docker-entrypoint-initdb.d:ro");
    expect(redis.volumes.some((volume: string) => volume.startsWith("./infra/redis/redis.conf:"))).toBe(true);
    expect(functions.ports).toEqual([
      "127.0.0.1:${API_HOST_PORT:-3000}:3000",
      "127.0.0.1:${LAMBDA_HOST_PORT:-3002}:3002",
      "127.0.0.1:${WS_HOST_PORT:-3001}:3001",
    ]);
    expect(web.ports).toEqual(["127.0.0.1:${WEB_HOST_PORT:-4321}:4321"]);
    // Redis and PostgreSQL are reached on the compose network only.
    expect(redis.ports).toBeUndefined();
    expect(db.ports).toBeUndefined();
    expect(redis.command).toEqual(expect.arrayContaining(["--bind", "0.0.0.0"]));
    expect(functions.build.dockerfile).toBe("infra/docker/functions.Dockerfile");
    expect(web.build.dockerfile).toBe("infra/docker/web.Dockerfile");
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test, `${name} health check`).toBeDefined();
      for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
        expect(condition, `${name} -> ${dependency}`).toEqual({ condition: "service_healthy" });
      }
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        // A credential may only arrive by interpolation from the environment or .env.
        if (/PASSWORD|SECRET|TOKEN|KEY/.test(key) || /:\/\/[^/@]*:[^/@]*@/.test(String(value))) {
          expect(String(value), `${name}.${key}`).toMatch(/\$\{[A-Z_]+:\?/);
        }
      }
    }
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(["db-data", "redis-data"]);
  });
});

describe("the Dockerfiles", () => {
  for (const file of DOCKERFILES) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    const dockerfile = DockerfileParser.parse(text);

    it(`when ${file} is linted, then dockerfile-utils finds nothing`, () => {
      expect(validateDockerfile(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    });

    it(`when ${file} is read, then it follows the rules: pinned bases, npm ci, exec-form CMD, a non-root user, sources from a clean checkout`, () => {
      // A base may be a build argument (so that a stand-in can replace it); its default is checked.
      const defaults = new Map(
        dockerfile
          .getInitialARGs()
          .map((arg) => [arg.getProperty()?.getName(), arg.getProperty()?.getValue()]),
      );
      for (const from of dockerfile.getFROMs()) {
        const written = from.getImage() ?? "";
        const image = written.replace(/^\$\{(\w+)\}$/, (_, name: string) => defaults.get(name) ?? written);
        expect(image, `FROM ${written}`).toMatch(/^[a-z0-9./-]+:\d+/);
      }
      const instructions = dockerfile.getInstructions();
      const runs = instructions
        .filter((i) => i.getKeyword() === "RUN")
        .map((i) => i.getArgumentsContent() ?? "");
      expect(runs.some((command) => /\bnpm ci\b/.test(command))).toBe(true);
      expect(runs.some((command) => /\bnpm (install|i)\b/.test(command))).toBe(false);
      expect(instructions.some((i) => i.getKeyword() === "ADD")).toBe(false);
      const lastFrom = dockerfile.getFROMs().at(-1)?.getRange().start.line ?? 0;
      const users = instructions.filter(
        (i) => i.getKeyword() === "USER" && i.getRange().start.line > lastFrom,
      );
      expect(users.at(-1)?.getArgumentsContent()).toBe("node");
      const cmd = dockerfile.getCMDs().at(-1);
      expect(cmd?.getOpeningBracket(), "CMD in exec form").not.toBeNull();
      for (const copy of instructions.filter((i) => i.getKeyword() === "COPY")) {
        if (
          (copy as unknown as { getFlags(): { getName(): string }[] })
            .getFlags()
            .some((f) => f.getName() === "from")
        )
          continue;
        for (const source of copy
          .getArguments()
          .map((a) => a.getValue())
          .slice(0, -1)) {
          expect(existsSync(path.join(ROOT, source)), `${file}: COPY ${source}`).toBe(true);
        }
      }
      expect(existsSync(path.join(ROOT, `${file}.dockerignore`))).toBe(true);
    });
  }
});

describe("each container's command, run natively", () => {
  it("when db's first-start script runs on an empty database, then every migration is applied and recorded as `npm run db:migrate` records it", async () => {
    const name = `deploy_initdb_${process.pid}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
    const url = new URL(TEST_DATABASE_URL);
    const env = {
      PATH: process.env.PATH,
      PGHOST: url.hostname,
      PGPORT: url.port || "5432",
      PGPASSWORD: decodeURIComponent(url.password),
      POSTGRES_USER: decodeURIComponent(url.username) || "postgres",
      POSTGRES_DB: name,
      MIGRATIONS_DIR: path.join(ROOT, "infra/migrations"),
    };
    try {
      for (let round = 0; round < 2; round += 1) {
        const child = run("sh", ["infra/docker/db-init/10-migrate.sh"], env);
        expect(await exitOf(child), child.output()).toBe(0);
      }
      const target = new URL(TEST_DATABASE_URL);
      target.pathname = `/${name}`;
      const client = new pg.Client({ connectionString: target.toString() });
      await client.connect();
      try {
        const result = await migrate(client, MIGRATIONS_DIR);
        expect(result.applied).toEqual([]);
        expect(result.skipped.length).toBeGreaterThan(0);
        const tables = await client.query(
          "select 1 from information_schema.tables where table_name = 'tasks'",
        );
        expect(tables.rowCount).toBe(1);
      } finally {
        await client.end();
      }
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });

  it("when redis-server starts with infra/redis/redis.conf, then maxmemory is set and the policy is allkeys-lfu", async () => {
    const port = await freePort();
    const dir = await mkdtemp(path.join(workDir, "redis-"));
    // The container's command, with the port and data folder moved out of everyone's way.
    const child = run(
      "redis-server",
      ["infra/redis/redis.conf", "--port", String(port), "--dir", dir],
      process.env,
    );
    const deadline = Date.now() + 10_000;
    let settings = "";
    while (Date.now() < deadline && !settings.includes("maxmemory-policy")) {
      if (child.exitCode !== null) throw new Error(`redis-server exited:\n${child.output()}`);
      const cli = run("redis-cli", ["-p", String(port), "config", "get", "maxmemory*"], process.env);
      await exitOf(cli);
      settings = cli.output();
      if (!settings.includes("maxmemory-policy")) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const lines = settings.trim().split("\n");
    const value = (key: string) => lines[lines.indexOf(key) + 1];
    expect(value("maxmemory-policy")).toBe("allkeys-lfu");
    expect(Number(value("maxmemory"))).toBeGreaterThan(0);
    await stopGroup(child);
  });

  it("when the functions container's start script runs, then it migrates and serves the HTTP API and the Lambda Invoke API", async () => {
    const apiPort = TEST_API_PORT + 20;
    const lambdaPort = TEST_LAMBDA_PORT + 20;
    const child = run("sh", ["infra/docker/start-functions.sh"], {
      PATH: PATH_WITH_NODE24,
      HOME: process.env.HOME,
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      API_PORT: String(apiPort),
      LAMBDA_PORT: String(lambdaPort),
      WS_PORT: String(TEST_WS_PORT + 20),
      OFFLINE_HOST: "127.0.0.1",
      LOG_REQUESTS: "false",
      SLS_TELEMETRY_DISABLED: "1",
      SLS_NOTIFICATIONS_MODE: "off",
    });
    const health = await waitFor(`http://127.0.0.1:${apiPort}/health`, child, 90_000);
    expect(health.status).toBe(200);
    expect(child.output()).toMatch(/"msg":"migrated"/);
    const lambda = new LambdaClient({
      endpoint: `http://127.0.0.1:${lambdaPort}`,
      region: "us-east-1",
      credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
    });
    const invoked = await lambda.send(
      new InvokeCommand({
        FunctionName: "million-tasks-dev-ping",
        Payload: Buffer.from(
          JSON.stringify({ rawPath: "/ping", requestContext: { http: { method: "GET" } } }),
        ),
      }),
    );
    lambda.destroy();
    expect(invoked.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(invoked.Payload ?? []).toString()).statusCode).toBe(200);
    await stopGroup(child);
  }, 120_000);

  it("when the web container's command serves a built site, then pages, assets, 404s and traversal attempts are answered correctly", async () => {
    const site = path.join(workDir, "site");
    await mkdir(path.join(site, "_astro"), { recursive: true });
    await writeFile(path.join(site, "index.html"), "<!doctype html><title>Tasks</title>");
    await writeFile(path.join(site, "404.html"), "<!doctype html><title>Not here</title>");
    await writeFile(path.join(site, "_astro", "grid.abc123.js"), "export {};");
    const port = await freePort();
    const child = run("node", ["scripts/serve-static.mts"], {
      PATH: PATH_WITH_NODE24,
      STATIC_DIR: site,
      HOST: "127.0.0.1",
      PORT: String(port),
    });
    const base = `http://127.0.0.1:${port}`;
    const index = await waitFor(`${base}/`, child, 15_000);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await index.text()).toContain("<title>Tasks</title>");
    const asset = await fetch(`${base}/_astro/grid.abc123.js`);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Not here");
    expect((await fetch(`${base}/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: "POST" })).status).toBe(405);
    await stopGroup(child);
  });
});

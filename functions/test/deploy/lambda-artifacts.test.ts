// The contract every Lambda-compatible target honours: each zip that `serverless package` makes is
// unzipped alone into an empty folder and run by a fresh Node 24 with no access to this repo's
// node_modules, loaded the way the Lambda runtime loads it, and answers API Gateway v2 events
// against the real PostgreSQL (and Redis when REDIS_URL is set).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { devAuthEnv } from "../../../scripts/lib/dev-keys";
import {
  type Artifact,
  extractArtifact,
  handlerEntry,
  node24Binary,
  packageFunctions,
  readArtifacts,
} from "../../../scripts/lib/lambda-package";
import { closePool } from "../../src/platform/db";
import { type EventInput, httpEvent } from "../support/events";
import { makeTask, uniqueMarker } from "../support/factories";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../support/services";
import { tokenFor } from "../support/tokens";

const authEnv = devAuthEnv();

/** A bundle above this has picked up something heavy (a whole library that no longer tree-shakes). */
const MAX_HANDLER_BYTES = 600 * 1024;

/** What a function returned: an HTTP result for HTTP functions, a plain object for the others. */
interface InvocationResult {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
  [field: string]: unknown;
}

interface Invocation {
  type: "result" | "error";
  result?: InvocationResult;
  errorType?: string;
  errorMessage?: string;
  stack?: string;
}

interface RunOutput {
  init: { node: string; cwd: string; nodePath: string | null; dependenciesVisible: string[] };
  invocations: Invocation[];
  /** The functions' own log lines (platform/logger.ts). */
  /** Powertools' log lines (stdout, and stderr for warnings and errors: CloudWatch keeps both). */
  logs: { message: string; error?: string; requestId?: string }[];
  /** CloudWatch Embedded Metric Format documents written to stdout. */
  metrics: {
    _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
    requestId?: string;
    route?: string;
  }[];
  stderr: string;
}

const declared = parse(readFileSync(path.resolve(__dirname, "../../../serverless.yml"), "utf8")) as {
  functions: Record<string, unknown>;
};
const hasFunction = (key: string) => key in declared.functions;

let workDir: string;
let runtimeScript: string;
let artifacts: Artifact[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "lambda-artifacts-"));
  await packageFunctions(path.join(workDir, "package"));
  artifacts = await readArtifacts(path.join(workDir, "package"));
  // The runtime stand-in lives outside every task root, as the real one does.
  await mkdtemp(path.join(workDir, "runtime-")).then(async (dir) => {
    runtimeScript = path.join(dir, "lambda-runtime.cjs");
    await copyFile(path.join(__dirname, "../support/lambda-runtime.cjs"), runtimeScript);
  });
}, 300_000);

afterAll(async () => {
  await closePool();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function artifact(key: string): Artifact {
  const found = artifacts.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`serverless package made no artifact for ${key}`);
  return found;
}

/** Unzips the artifact into an empty folder and invokes its handler once per event, in order. */
async function runArtifact(target: Artifact, events: unknown[]): Promise<RunOutput> {
  const taskRoot = await mkdtemp(path.join(workDir, `task-${target.key}-`));
  expect(await readdir(taskRoot)).toEqual([]);
  extractArtifact(target, taskRoot);
  const child = spawn(node24Binary(), [runtimeScript], {
    cwd: taskRoot,
    // Only what Lambda would set, plus the function's configuration: no NODE_PATH, no repo paths.
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      TZ: ":UTC",
      LANG: "en_US.UTF-8",
      NODE_OPTIONS: "--enable-source-maps",
      LAMBDA_TASK_ROOT: taskRoot,
      _HANDLER: target.handler,
      AWS_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: target.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(target.memorySize ?? 256),
      AWS_LAMBDA_FUNCTION_TIMEOUT: String(target.timeout ?? 10),
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      PG_POOL_MAX: "2",
      LOG_REQUESTS: "false",
      // The development key set, as a deployment's JWKS_URL/issuer/audience would be configured.
      JWT_JWKS: authEnv.JWT_JWKS ?? "",
      JWT_ISSUER: authEnv.JWT_ISSUER ?? "",
      JWT_AUDIENCE: authEnv.JWT_AUDIENCE ?? "",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  child.stdin.end(JSON.stringify(events));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`${target.key} exited with ${code}: ${stdout}\n${stderr}`);
  const lines = stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const errorLines = stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
  return {
    init: lines.find((line) => line.type === "init"),
    invocations: lines.filter((line) => line.type === "result" || line.type === "error"),
    logs: [...lines, ...errorLines].filter((line) => typeof line.message === "string"),
    metrics: lines.filter((line) => line._aws !== undefined),
    stderr,
  };
}

function resultOf(output: RunOutput, index = 0) {
  const invocation = output.invocations[index];
  if (invocation?.type !== "result") {
    throw new Error(`invocation ${index} failed: ${JSON.stringify(invocation)}\n${output.stderr}`);
  }
  if (!invocation.result) throw new Error(`invocation ${index} returned nothing\n${output.stderr}`);
  return invocation.result;
}

/** An HTTP API result with its body parsed. */
function response(output: RunOutput, index = 0) {
  const result = resultOf(output, index);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

const http = (input: EventInput) => httpEvent(input);

describe("serverless package", () => {
  it("when packaged, then every function has its own small zip: one bundle and its source map, no node_modules", () => {
    expect(artifacts.map((target) => target.key).sort()).toEqual(Object.keys(declared.functions).sort());
    for (const target of artifacts) {
      const { file } = handlerEntry(target);
      expect(target.files.map((entry) => entry.name).sort(), target.key).toEqual([file, `${file}.map`]);
      const bundle = target.files.find((entry) => entry.name === file);
      // broadcast carries @aws-sdk/client-apigatewaymanagementapi (~430 KB minified with its
      // credential chain); the writing functions sign their one Invoke call without the SDK.
      // jobWorker carries graphile-worker (~340 KB minified); like broadcast it is never on a
      // person's request path (woken asynchronously, scheduled), so its cold start waits for no one.
      // openapi carries every route's schema and the document builder (615 KB once jobs, views,
      // facets and ops joined); it serves tools, never the grid.
      const limit = ["broadcast", "jobWorker"].includes(target.key)
        ? 900 * 1024
        : target.key === "openapi"
          ? 700 * 1024
          : MAX_HANDLER_BYTES;
      expect(bundle?.bytes, `${target.key} bundle size`).toBeLessThan(limit);
    }
  });
});

describe("each artifact, run alone by a fresh Node 24 as the Lambda runtime runs it", () => {
  it("when ping is invoked, then it answers 200 and sees none of the repo's dependencies", async () => {
    const output = await runArtifact(artifact("ping"), [http({ path: "/ping" })]);
    expect(output.init.node.split(".")[0]).toBe("24");
    expect(output.init.nodePath).toBeNull();
    expect(output.init.dependenciesVisible).toEqual([]);
    const result = response(output);
    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ ok: true });
  });

  it("when health is invoked, then it reports the database up", async () => {
    const result = response(await runArtifact(artifact("health"), [http({ path: "/health" })]));
    expect(result.statusCode).toBe(200);
    expect(result.json.db.ok).toBe(true);
  });

  it("when createTask is invoked twice with one Idempotency-Key, then it creates one task and replays it", async () => {
    const title = `Artifact ${uniqueMarker()}`;
    const event = () =>
      http({
        method: "POST",
        path: "/tasks",
        body: { title, priority: "high" },
        headers: { "idempotency-key": uniqueMarker("k") },
      });
    const first = event();
    const output = await runArtifact(artifact("createTask"), [first, first, event()]);
    const created = response(output, 0);
    expect(created.statusCode).toBe(201);
    expect(created.json).toMatchObject({ title, priority: "high", status: "todo", version: 1 });
    expect(created.headers?.Location).toBe(`/tasks/${created.json.id}`);
    expect(response(output, 1).json.id).toBe(created.json.id);
    expect(response(output, 2).json.id).not.toBe(created.json.id);
  });

  it("when createTask gets an invalid body, then it answers 422 in the error shape, not a crash", async () => {
    const result = response(
      await runArtifact(artifact("createTask"), [
        http({ method: "POST", path: "/tasks", body: { title: " " } }),
      ]),
    );
    expect(result.statusCode).toBe(422);
    expect(result.json.error.code).toBe("validation_failed");
  });

  it("when getTask is invoked, then it returns the task with its ETag, and 404 for a missing one", async () => {
    const task = await makeTask();
    const output = await runArtifact(artifact("getTask"), [
      http({ path: `/tasks/${task.id}`, pathParameters: { id: task.id } }),
      http({ path: "/tasks/999999999999", pathParameters: { id: "999999999999" } }),
    ]);
    const found = response(output, 0);
    expect(found.statusCode).toBe(200);
    expect(found.json.id).toBe(task.id);
    expect(found.headers?.ETag).toBe('"1"');
    expect(response(output, 1).statusCode).toBe(404);
  });

  it("when updateTask is invoked with a matching and then a stale If-Match, then 200 and 412", async () => {
    const task = await makeTask();
    const patch = (version: number) =>
      http({
        method: "PATCH",
        path: `/tasks/${task.id}`,
        pathParameters: { id: task.id },
        headers: { "if-match": `"${version}"` },
        body: { status: "done" },
      });
    const output = await runArtifact(artifact("updateTask"), [patch(1), patch(1)]);
    expect(response(output, 0).statusCode).toBe(200);
    expect(response(output, 0).json).toMatchObject({ status: "done", version: 2 });
    expect(response(output, 1).statusCode).toBe(412);
  });

  it("when deleteTask is invoked twice, then 204 and then 404", async () => {
    const task = await makeTask();
    const remove = () =>
      http({ method: "DELETE", path: `/tasks/${task.id}`, pathParameters: { id: task.id } });
    const output = await runArtifact(artifact("deleteTask"), [remove(), remove()]);
    expect(response(output, 0).statusCode).toBe(204);
    expect(response(output, 1).statusCode).toBe(404);
  });

  it("when listTasks is searched for a fresh title, then it finds exactly that task", async () => {
    const marker = uniqueMarker("list");
    const task = await makeTask({ title: `Listed ${marker}` });
    const result = response(
      await runArtifact(artifact("listTasks"), [http({ path: "/tasks", query: { q: marker, limit: "10" } })]),
    );
    expect(result.statusCode).toBe(200);
    expect(result.json.items.map((item: { id: string }) => item.id)).toEqual([task.id]);
    expect(result.json.total).toEqual({ value: 1, exact: true });
  });

  it("when taskStats is invoked, then it counts at least a task just created", async () => {
    await makeTask({ status: "blocked" });
    const result = response(await runArtifact(artifact("taskStats"), [http({ path: "/tasks/stats" })]));
    expect(result.statusCode).toBe(200);
    expect(result.json.total).toBeGreaterThanOrEqual(1);
    expect(result.json.byStatus.blocked).toBeGreaterThanOrEqual(1);
  });

  it("when maintain gets a scheduled event, then it reports its work; when its input is invalid, then it throws the message without a stack", async () => {
    const scheduled = {
      version: "0",
      id: "00000000-0000-0000-0000-000000000000",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time: new Date().toISOString(),
      region: "us-east-1",
      resources: [],
      detail: {},
    };
    const output = await runArtifact(artifact("maintain"), [scheduled, { force: "yes" }]);
    expect(resultOf(output, 0)).toMatchObject({ purged: expect.any(Number), pending: expect.any(Number) });
    const failed = output.invocations[1];
    expect(failed?.type).toBe("error");
    expect(failed?.errorMessage).toMatch(/force/);
    // The runtime hands the stack to the Invoke API's caller: it names no frame (issue 11).
    expect(failed?.stack).not.toMatch(/\sat\s|\.[jt]s:\d+/);
  });

  it("when a function fails unexpectedly, then the caller gets an opaque error and the log the source-mapped stack", async () => {
    const output = await runArtifact(artifact("wsConnect"), [{}]);
    const failed = output.invocations[0];
    expect(failed?.type).toBe("error");
    expect(failed?.errorMessage).toMatch(/^Internal error \(request /);
    expect(failed?.stack).not.toMatch(/\sat\s|\.[jt]s:\d+/);
    const logged = output.logs.find((line) => line.message === "invocation failed");
    expect(logged?.error).toMatch(/ws-connect\.ts:\d+/);
  });

  it("when taskHistory and auditLog are invoked, then they answer from audit_log in the one shape", async () => {
    const history = response(
      await runArtifact(artifact("taskHistory"), [
        http({ path: "/tasks/987654321098/history", pathParameters: { id: "987654321098" } }),
      ]),
    );
    expect(history.statusCode).toBe(404);
    expect(history.json.error.code).toBe("not_found");
    const audit = response(
      await runArtifact(artifact("auditLog"), [http({ path: "/audit", query: { limit: "1" } })]),
    );
    expect(audit.statusCode).toBe(200);
    expect(audit.json).toMatchObject({ items: expect.any(Array) });
  });

  it("when ops is invoked as on AWS, then it answers the figures and writes EMF metrics with the response's request id", async () => {
    const output = await runArtifact(artifact("ops"), [http({ path: "/ops" })]);
    const result = response(output);
    expect(result.statusCode).toBe(200);
    expect(result.json).toMatchObject({ routes: expect.any(Array), access: expect.any(Object) });
    const requestId = result.headers?.["X-Request-Id"];
    expect(requestId).toEqual(expect.any(String));
    const emf = output.metrics.find((line) => line.requestId === requestId);
    expect(emf?.route).toBe("GET /ops");
    expect(emf?._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name)).toEqual(
      expect.arrayContaining(["requests", "latency"]),
    );
  });

  it("when openapi is invoked, then it serves the OpenAPI document", async () => {
    const result = response(await runArtifact(artifact("openapi"), [http({ path: "/openapi.json" })]));
    expect(result.statusCode).toBe(200);
    expect(result.json.openapi).toMatch(/^3\./);
  });

  if (hasFunction("seed"))
    it("when seed gets invalid input, then it throws before touching the database", async () => {
      const output = await runArtifact(artifact("seed"), [{ count: -1 }]);
      expect(output.invocations[0]).toMatchObject({
        type: "error",
        errorMessage: expect.stringMatching(/count/),
      });
    });

  it("when the live-update artifacts get WebSocket events, then they register, answer and forget the connection", async () => {
    const id = `artifact-${uniqueMarker()}`;
    const socketEvent = (body?: string) => ({
      requestContext: { connectionId: id, domainName: "example.execute-api.test", stage: "dev" },
      queryStringParameters: { token: tokenFor("viewer") },
      ...(body === undefined ? {} : { body }),
    });
    const connect = await runArtifact(artifact("wsConnect"), [socketEvent()]);
    expect(connect.invocations[0]).toMatchObject({ type: "result", result: { statusCode: 200 } });
    const ping = await runArtifact(artifact("wsDefault"), [
      socketEvent('{"action":"ping"}'),
      socketEvent("{"),
    ]);
    expect(ping.invocations[0]).toMatchObject({
      result: { statusCode: 200, body: expect.stringMatching(/^\{"type":"pong","head":\d+\}$/) },
    });
    expect(ping.invocations[1]).toMatchObject({ result: { statusCode: 400 } });
    const disconnect = await runArtifact(artifact("wsDisconnect"), [socketEvent()]);
    expect(disconnect.invocations[0]).toMatchObject({ type: "result", result: { statusCode: 200 } });
    const drained = await runArtifact(artifact("broadcast"), [{}]);
    expect(drained.invocations[0]).toMatchObject({ type: "result", result: { events: expect.any(Number) } });
    const activity = response(
      await runArtifact(artifact("taskActivity"), [http({ path: "/tasks/activity" })]),
    );
    expect(activity.statusCode).toBe(200);
    expect(activity.json.created).toEqual(expect.any(Number));
  });

  it("when seedStatus is invoked with no load running, then it answers seeding: null", async () => {
    const result = response(await runArtifact(artifact("seedStatus"), [http({ path: "/seed/status" })]));
    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ seeding: null });
  });

  it("when the job, facet and view artifacts are invoked, then each answers in the one shape", async () => {
    const id = { pathParameters: { id: "not-a-uuid" } };
    const answers: [string, unknown, number][] = [
      ["bulkTasks", http({ method: "POST", path: "/tasks/bulk", body: { selection: {}, action: {} } }), 422],
      ["exportTasks", http({ method: "POST", path: "/tasks/export", body: { format: "xlsx" } }), 422],
      ["importTasks", http({ method: "POST", path: "/tasks/import", body: { title: "x" } }), 415],
      ["taskFacets", http({ path: "/tasks/facets", query: { status: "todo" } }), 200],
      ["getJob", http({ path: "/jobs/not-a-uuid", ...id }), 400],
      ["cancelJob", http({ method: "DELETE", path: "/jobs/not-a-uuid", ...id }), 400],
      ["downloadJob", http({ path: "/jobs/not-a-uuid/download", ...id }), 400],
      ["listViews", http({ path: "/views" }), 200],
      ["createView", http({ method: "POST", path: "/views", body: { name: "" } }), 422],
      ["getView", http({ path: "/views/not-a-uuid", ...id }), 400],
      [
        "updateView",
        http({ method: "PATCH", path: "/views/not-a-uuid", body: { shared: true }, ...id }),
        400,
      ],
      ["deleteView", http({ method: "DELETE", path: "/views/not-a-uuid", ...id }), 400],
    ];
    for (const [key, event, status] of answers) {
      const result = response(await runArtifact(artifact(key), [event]));
      expect(result.statusCode, key).toBe(status);
    }
    const drained = await runArtifact(artifact("jobWorker"), [
      { source: "aws.events", "detail-type": "Scheduled Event", detail: {} },
    ]);
    expect(drained.invocations[0]).toMatchObject({ type: "result", result: { drained: true } });
  });

  it("when an artifact has no case here, then this test says so (every function must answer)", () => {
    const covered = new Set([
      "ping",
      "health",
      "createTask",
      "getTask",
      "updateTask",
      "deleteTask",
      "listTasks",
      "taskStats",
      "maintain",
      "openapi",
      "seed",
      "wsConnect",
      "wsDisconnect",
      "wsDefault",
      "broadcast",
      "taskActivity",
      "seedStatus",
      "taskHistory",
      "auditLog",
      "bulkTasks",
      "exportTasks",
      "importTasks",
      "taskFacets",
      "getJob",
      "cancelJob",
      "downloadJob",
      "jobWorker",
      "listViews",
      "createView",
      "getView",
      "updateView",
      "deleteView",
      "ops",
    ]);
    expect(artifacts.map((target) => target.key).filter((key) => !covered.has(key))).toEqual([]);
  });
});

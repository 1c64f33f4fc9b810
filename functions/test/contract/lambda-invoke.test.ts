// Every function invoked through the Lambda Invoke API (@aws-sdk/client-lambda) against
// serverless-offline, as a deployed caller would: payloads in, results or function errors out.
import { readFileSync } from "node:fs";
import path from "node:path";
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { controlSecret } from "../../../scripts/lib/dev-keys";
import { controlClientContext } from "../../src/platform/control-plane";
import { closePool } from "../../src/platform/db";
import { httpEvent } from "../support/events";
import { makeTask, uniqueMarker } from "../support/factories";
import { tokenFor } from "../support/tokens";

const SERVICE = "million-tasks";
const STAGE = "dev";

const lambda = new LambdaClient({
  endpoint: inject("lambdaUrl"),
  region: "us-east-1",
  // serverless-offline checks nothing, but the SDK refuses to sign without credentials.
  credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
  maxAttempts: 1,
});

afterAll(async () => {
  lambda.destroy();
  await closePool();
});

const functionKeys = Object.keys(
  (parse(readFileSync(path.resolve(__dirname, "../../../serverless.yml"), "utf8")) as { functions: object })
    .functions,
);

async function invoke(
  key: string,
  payload: unknown,
  invocationType: "RequestResponse" | "Event" = "RequestResponse",
) {
  const output: InvokeCommandOutput = await lambda.send(
    new InvokeCommand({
      FunctionName: `${SERVICE}-${STAGE}-${key}`,
      InvocationType: invocationType,
      Payload: Buffer.from(JSON.stringify(payload)),
      ClientContext: controlClientContext(controlSecret()),
    }),
  );
  const text = output.Payload ? Buffer.from(output.Payload).toString("utf8") : "";
  return { output, payload: text ? JSON.parse(text) : undefined };
}

/** Invokes an HTTP function with an API Gateway v2 event; a function error fails here. */
async function invokeHttp(key: string, input: Parameters<typeof httpEvent>[0]) {
  const { output, payload } = await invoke(key, httpEvent(input));
  expect(output.StatusCode).toBe(200);
  expect(output.FunctionError, JSON.stringify(payload)).toBeUndefined();
  return { ...payload, json: payload.body ? JSON.parse(payload.body) : undefined };
}

const covered = new Set<string>();
const covers = (key: string) => {
  covered.add(key);
  return key;
};

describe("the Lambda Invoke API under serverless-offline", () => {
  it("when ping and health are invoked, then both answer 200", async () => {
    expect((await invokeHttp(covers("ping"), { path: "/ping" })).json).toEqual({ ok: true });
    const health = await invokeHttp(covers("health"), { path: "/health" });
    expect(health.statusCode).toBe(200);
    expect(health.json.db.ok).toBe(true);
  });

  it("when a task is created, read, updated, listed, counted and deleted by invocation, then each answers per contract", async () => {
    const marker = uniqueMarker("inv");
    const created = await invokeHttp(covers("createTask"), {
      method: "POST",
      path: "/tasks",
      body: { title: `Invoked ${marker}`, tags: ["invoke"] },
    });
    expect(created.statusCode).toBe(201);
    const id: string = created.json.id;

    const read = await invokeHttp(covers("getTask"), { path: `/tasks/${id}`, pathParameters: { id } });
    expect(read.statusCode).toBe(200);
    expect(read.json.tags).toEqual(["invoke"]);

    const updated = await invokeHttp(covers("updateTask"), {
      method: "PATCH",
      path: `/tasks/${id}`,
      pathParameters: { id },
      body: { status: "in_progress", version: 1 },
    });
    expect(updated.json).toMatchObject({ status: "in_progress", version: 2 });

    const listed = await invokeHttp(covers("listTasks"), { path: "/tasks", query: { q: marker } });
    expect(listed.json.items.map((item: { id: string }) => item.id)).toEqual([id]);

    const stats = await invokeHttp(covers("taskStats"), { path: "/tasks/stats" });
    expect(stats.json.byStatus.in_progress).toBeGreaterThanOrEqual(1);

    const deleted = await invokeHttp(covers("deleteTask"), {
      method: "DELETE",
      path: `/tasks/${id}`,
      pathParameters: { id },
    });
    expect(deleted.statusCode).toBe(204);

    // Written by the Lambda context of each invocation above; kept after the delete.
    const history = await invokeHttp(covers("taskHistory"), {
      path: `/tasks/${id}/history`,
      pathParameters: { id },
    });
    expect(history.json.items.map((entry: { action: string }) => entry.action)).toEqual([
      "task.delete",
      "task.update",
      "task.create",
    ]);
    const audit = await invokeHttp(covers("auditLog"), { path: "/audit", query: { taskId: id, limit: "3" } });
    expect(audit.statusCode).toBe(200);
    expect(new Set(audit.json.items.map((entry: { requestId: string }) => entry.requestId)).size).toBe(3);
  });

  it("when an HTTP function gets bad input, then the 4xx is its result (an HTTP answer), not a function error", async () => {
    const task = await makeTask();
    const stale = await invokeHttp("updateTask", {
      method: "PATCH",
      path: `/tasks/${task.id}`,
      pathParameters: { id: task.id },
      headers: { "if-match": '"7"' },
      body: { status: "done" },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json.error.code).toBe("precondition_failed");
  });

  it("when maintain is invoked with a scheduled event, then it returns its report", async () => {
    const { output, payload } = await invoke(covers("maintain"), {
      source: "aws.events",
      "detail-type": "Scheduled Event",
    });
    expect(output.FunctionError).toBeUndefined();
    expect(payload).toMatchObject({ purged: expect.any(Number), pending: expect.any(Number) });
  });

  it("when a function throws, then the caller gets a FunctionError with the message, not a silent 200 result", async () => {
    const { output, payload } = await invoke("maintain", { force: "yes" });
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe("Unhandled");
    expect(payload.errorMessage).toMatch(/force/);
    expect(payload).not.toHaveProperty("purged");
  });

  it("when a function that throws is invoked asynchronously, then the call is accepted and the runtime survives", async () => {
    const { output } = await invoke("maintain", { force: "yes" }, "Event");
    expect(output.StatusCode).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await invokeHttp("ping", { path: "/ping" })).statusCode).toBe(200);
  });

  it("when openapi is invoked, then it returns the OpenAPI document", async () => {
    const document = await invokeHttp(covers("openapi"), { path: "/openapi.json" });
    expect(document.statusCode).toBe(200);
    expect(document.json.openapi).toMatch(/^3\./);
    expect(Object.keys(document.json.paths)).toContain("/tasks");
  });

  // Only once serverless.yml declares it: a case must not be skipped (CI=true skips nothing).
  if (functionKeys.includes("seed"))
    it("when seed is invoked with a small count, then it loads that many rows; with a bad count, then a FunctionError", async () => {
      const { output, payload } = await invoke(covers("seed"), { count: 2 });
      expect(output.FunctionError, JSON.stringify(payload)).toBeUndefined();
      expect(payload.rows).toBe(2);
      const failed = await invoke("seed", { count: -1 });
      expect(failed.output.FunctionError).toBe("Unhandled");
      expect(failed.payload.errorMessage).toMatch(/count/);
    });

  it("when the live-update functions are invoked, then each answers as API Gateway expects", async () => {
    const id = `invoke-${uniqueMarker()}`;
    const socketEvent = (body?: string) => ({
      requestContext: { connectionId: id, domainName: "localhost", stage: "dev", routeKey: "$default" },
      queryStringParameters: { token: tokenFor("viewer") },
      ...(body === undefined ? {} : { body }),
    });
    expect((await invoke(covers("wsConnect"), socketEvent())).payload).toEqual({ statusCode: 200 });
    const pong = await invoke(covers("wsDefault"), socketEvent('{"action":"ping"}'));
    expect(pong.payload).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(pong.payload.body)).toEqual({ type: "pong", head: expect.any(Number) });
    expect((await invoke("wsDefault", socketEvent("not json"))).payload.statusCode).toBe(400);
    expect((await invoke(covers("wsDisconnect"), socketEvent())).payload).toEqual({ statusCode: 200 });
    const drained = await invoke(covers("broadcast"), {});
    expect(drained.output.FunctionError, JSON.stringify(drained.payload)).toBeUndefined();
    const activity = await invokeHttp(covers("taskActivity"), { path: "/tasks/activity" });
    expect(activity.statusCode).toBe(200);
    expect(activity.json).toMatchObject({ created: expect.any(Number), byStatus: expect.any(Object) });
  });

  it("when ops is invoked, then it answers the operations figures", async () => {
    const ops = await invokeHttp(covers("ops"), { path: "/ops" });
    expect(ops.statusCode).toBe(200);
    expect(ops.json).toMatchObject({ routes: expect.any(Array), database: expect.any(Object) });
  });

  it("when seedStatus is invoked with no load running, then it answers seeding: null", async () => {
    const status = await invokeHttp(covers("seedStatus"), { path: "/seed/status" });
    expect(status.statusCode).toBe(200);
    expect(status.json).toEqual({ seeding: null });
  });

  it("when any function is invoked with a payload it cannot use, then the answer names no file, path or stack frame", async () => {
    const hostile: unknown[] = [
      null,
      "x",
      [],
      7,
      { force: "yes" },
      { count: "many" },
      { requestContext: null },
    ];
    // The checkout's absolute path, a file URL, a stack frame, or a bundle location like handler.js:12:34.
    const root = path.resolve(__dirname, "../../..").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const internals = new RegExp(`${root}|file://|node_modules|\\sat\\s\\S+\\s\\(|\\.[cm]?[jt]s:\\d+`);
    for (const key of functionKeys) {
      for (const payload of hostile) {
        const answer = await invoke(key, payload);
        const text = JSON.stringify(answer.payload ?? null);
        expect(text, `${key} ${JSON.stringify(payload)}: ${text}`).not.toMatch(internals);
        if (answer.output.FunctionError) {
          expect(answer.payload.errorMessage, `${key} ${JSON.stringify(payload)}`).toEqual(
            expect.any(String),
          );
          // One line (the error's own name and message) at most: the Invoke port's guard drops it too.
          expect((answer.payload.trace ?? []).length, key).toBeLessThanOrEqual(1);
        }
      }
    }
    // Seed's own words still reach the caller.
    const seed = await invoke("seed", { count: "many" });
    expect(seed.payload.errorMessage).toMatch(/count/);
  });

  it("when the job, facet and view functions are invoked, then each answers as API Gateway expects", async () => {
    const marker = uniqueMarker("inv");
    await makeTask({ title: `${marker} task`, tags: [marker] });
    const as = (role: "editor" | "viewer") => ({ authorization: `Bearer ${tokenFor(role)}` });
    const started = await invokeHttp(covers("bulkTasks"), {
      method: "POST",
      path: "/tasks/bulk",
      headers: as("editor"),
      body: { selection: { filter: { tag: marker } }, action: { set: { priority: "urgent" } } },
    });
    expect(started.statusCode).toBe(202);
    const id = started.json.job.id as string;
    const drained = await invoke(covers("jobWorker"), {});
    expect(drained.payload).toMatchObject({ drained: true });
    // The enqueue also woke the worker asynchronously: whichever drained it, the job completes.
    // As an admin, who may see anyone's job.
    const finished = async (jobId: string) => {
      for (let i = 0; i < 100; i += 1) {
        const answer = await invokeHttp(covers("getJob"), {
          path: `/jobs/${jobId}`,
          pathParameters: { id: jobId },
        });
        expect(answer.statusCode, JSON.stringify(answer.json)).toBe(200);
        if (answer.json.job.state === "completed") return answer.json.job;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`job ${jobId} did not complete`);
    };
    expect(await finished(id)).toMatchObject({ state: "completed", done: 1 });
    const cancel = await invokeHttp(covers("cancelJob"), {
      method: "DELETE",
      path: `/jobs/${id}`,
      pathParameters: { id },
      headers: as("editor"),
    });
    expect(cancel.json.job.state).toBe("completed");
    const exported = await invokeHttp(covers("exportTasks"), {
      method: "POST",
      path: "/tasks/export",
      body: { filter: { tag: marker } },
    });
    expect(exported.statusCode, JSON.stringify(exported.json)).toBe(202);
    const exportId = exported.json.job.id as string;
    await finished(exportId);
    // The file is CSV, not JSON: the raw invoke.
    const file = await invoke(
      covers("downloadJob"),
      httpEvent({ path: `/jobs/${exportId}/download`, pathParameters: { id: exportId } }),
    );
    expect(file.payload.statusCode).toBe(200);
    expect(file.payload.body).toContain(`${marker} task`);
    const imported = await invokeHttp(covers("importTasks"), {
      method: "POST",
      path: "/tasks/import",
      headers: { "content-type": "text/csv" },
      rawBody: "title,status\nx,someday\n",
    });
    expect(imported.statusCode).toBe(422);
    const facets = await invokeHttp(covers("taskFacets"), { path: "/tasks/facets", query: { tag: marker } });
    expect(facets.json.total).toEqual({ value: 1, exact: true });
    const view = await invokeHttp(covers("createView"), {
      method: "POST",
      path: "/views",
      body: { name: marker },
    });
    expect(view.statusCode).toBe(201);
    const viewId = view.json.id as string;
    const path = { path: `/views/${viewId}`, pathParameters: { id: viewId } };
    expect((await invokeHttp(covers("listViews"), { path: "/views" })).statusCode).toBe(200);
    expect((await invokeHttp(covers("getView"), path)).json.name).toBe(marker);
    expect(
      (await invokeHttp(covers("updateView"), { ...path, method: "PATCH", body: { shared: true } })).json
        .shared,
    ).toBe(true);
    expect((await invokeHttp(covers("deleteView"), { ...path, method: "DELETE" })).statusCode).toBe(204);
  });

  it("when an unknown function is invoked, then ResourceNotFoundException", async () => {
    await expect(invoke("noSuchFunction", {})).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("when every case has run, then every function in serverless.yml was invoked", () => {
    expect(functionKeys.filter((key) => !covered.has(key))).toEqual([]);
  });
});

// The local control plane (serverless-offline's Lambda Invoke port) against the attack of issue 13:
// a web page POSTing text/plain to the seed function, which needs no preflight. Browsers always
// send Origin on such a request; the tools never do, and they carry the control secret.
import { afterAll, describe, expect, inject, it } from "vitest";
import { controlSecret } from "../../../scripts/lib/dev-keys";
import { controlClientContext } from "../../src/platform/control-plane";
import { closePool } from "../../src/platform/db";
import { authHeaders } from "../support/tokens";

const api = inject("apiUrl");
const lambda = inject("lambdaUrl");
const SEED = `${lambda}/2015-03-31/functions/million-tasks-dev-seed/invocations`;
const WIPE = JSON.stringify({ count: 0, truncate: true });

afterAll(closePool);

async function aTaskExists(): Promise<string> {
  const response = await fetch(`${api}/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json", ...authHeaders("editor") },
    body: JSON.stringify({ title: "control plane canary" }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function stillThere(id: string): Promise<void> {
  const response = await fetch(`${api}/tasks/${id}`, { headers: authHeaders("viewer") });
  expect(response.status).toBe(200);
}

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));

describe("the Lambda Invoke port", () => {
  it("when a page's text/plain POST (with Origin) asks seed to truncate, then it is refused, uncorsed, and nothing is wiped", async () => {
    const id = await aTaskExists();
    const response = await fetch(SEED, {
      method: "POST",
      headers: {
        origin: "https://evil.example",
        "content-type": "text/plain",
        // Even with the secret: a browser is never a caller of the control plane.
        "x-amz-client-context": controlClientContext(controlSecret()),
      },
      body: WIPE,
    });
    expect(response.status).toBe(403);
    expect(corsHeaders(response)).toEqual([]);
    await stillThere(id);
  });

  it("when a browser's preflight or a Sec-Fetch request arrives, then it is refused without CORS headers", async () => {
    const preflight = await fetch(SEED, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect(corsHeaders(preflight)).toEqual([]);
    const navigation = await fetch(SEED, {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site" },
      body: WIPE,
    });
    expect(navigation.status).toBe(403);
  });

  it("when an invocation has no control secret or a wrong one, then it is refused before the function runs", async () => {
    const id = await aTaskExists();
    const attempts: Record<string, string>[] = [
      {},
      { "x-amz-client-context": controlClientContext("guess") },
      { "x-amz-client-context": "%%%" },
    ];
    for (const headers of attempts) {
      const response = await fetch(SEED, { method: "POST", headers, body: WIPE });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ Message: expect.stringContaining("control secret") });
    }
    await stillThere(id);
  });

  it("when a function fails, then its error names the problem without a stack trace or file paths", async () => {
    const response = await fetch(SEED, {
      method: "POST",
      headers: { "x-amz-client-context": controlClientContext(controlSecret()) },
      body: JSON.stringify({ count: -5 }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-amz-function-error")).toBe("Unhandled");
    const text = await response.text();
    const payload = JSON.parse(text);
    expect(payload.errorMessage).toContain("Invalid seed input");
    expect(payload.trace).toBeUndefined();
    expect(text).not.toMatch(/\.esbuild|node_modules|\/work\/|at .*\(/);
  });
});

// One logger (Powertools' Logger): every line a request writes, from whichever module, names the
// request, and the response carries the same id.
import { afterEach, describe, expect, it, vi } from "vitest";
import { httpHandler } from "../../src/platform/http";
import { log, withRequestId } from "../../src/platform/logger";
import { invoke } from "../support/events";

function captureStdout(): { lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  // Powertools writes warnings and errors to stderr; both streams reach CloudWatch.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
  return {
    lines: () =>
      written
        .join("")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("logger", () => {
  it("when code logs inside a request, then the line carries that request's id, even across awaits", async () => {
    const out = captureStdout();
    await Promise.all([
      withRequestId("req-a", async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        log("warn", "from a", { n: 1 });
      }),
      withRequestId("req-b", async () => log("info", "from b")),
    ]);
    log("info", "outside");
    const lines = out.lines();
    expect(lines).toMatchObject([
      { level: "INFO", message: "from b", requestId: "req-b", service: "million-tasks" },
      { level: "WARN", message: "from a", requestId: "req-a", n: 1 },
      { level: "INFO", message: "outside" },
    ]);
    expect(lines[2]).not.toHaveProperty("requestId");
  });

  it("when a handler throws an unexpected error, then the 500 hides it and its log line names the request", async () => {
    const handler = httpHandler(
      async () => {
        throw new Error("secret detail");
      },
      { role: "public" },
    );
    const out = captureStdout();
    const response = await invoke(handler, { path: "/boom" });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("secret");
    const failure = out.lines().find((line) => line.message === "unhandled");
    expect(failure?.requestId).toMatch(/^req-\d+$/);
    expect(String(failure?.error)).toContain("secret detail");
    expect(response.headers?.["X-Request-Id"]).toBe(failure?.requestId);
  });
});

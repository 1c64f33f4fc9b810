// One logger: every line a request writes, from whichever module, names the request.
import { afterEach, describe, expect, it, vi } from "vitest";
import { httpHandler } from "../../src/platform/http";
import { log, withRequestId } from "../../src/platform/logger";
import { invoke } from "../support/events";

function captureStdout(): { lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
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
    expect(out.lines()).toEqual([
      { level: "info", msg: "from b", requestId: "req-b" },
      { level: "warn", msg: "from a", requestId: "req-a", n: 1 },
      { level: "info", msg: "outside" },
    ]);
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
    const failure = out.lines().find((line) => line.msg === "unhandled");
    expect(failure?.requestId).toMatch(/^req-\d+$/);
    expect(String(failure?.error)).toContain("secret detail");
  });
});

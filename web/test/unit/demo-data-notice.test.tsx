// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DemoDataNotice } from "../../src/components/DemoDataNotice";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const loading = (fraction: number, etaMs: number) => ({
  state: "loading",
  loadId: "abc123",
  mode: "replace",
  count: 1_000_000,
  rowsLoaded: 430_000,
  phase: "load",
  fraction,
  elapsedMs: 7_000,
  etaMs,
});

/** GET /seed/status answers each body in turn, then the last one forever. */
function stubStatus(bodies: unknown[]) {
  const fetch = vi.fn(async (url: string) => {
    expect(url).toMatch(/\/seed\/status$/);
    const body = bodies.length > 1 ? bodies.shift() : bodies[0];
    return new Response(JSON.stringify({ seeding: body }), { status: 200 });
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("the demo data notice", () => {
  it("when the first start loads demo data, then it shows the percentage and the time left, then asks the grid to fill in", async () => {
    stubStatus([loading(0.43, 9_000), null]);
    const onDone = vi.fn();
    render(<DemoDataNotice total={0} onDone={onDone} />);
    expect((await screen.findByRole("status")).textContent).toContain(
      "Loading demo data: 43%, about 9 s left",
    );
    await waitFor(() => expect(onDone).toHaveBeenCalledTimes(1), { timeout: 3_000 });
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("when no load runs and the grid has tasks, then it shows nothing and stops asking", async () => {
    const fetch = stubStatus([null]);
    const onDone = vi.fn();
    render(<DemoDataNotice total={1_000_000} onDone={onDone} />);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetch).not.toHaveBeenCalled();
    expect(screen.queryByRole("status")).toBeNull();
    expect(onDone).not.toHaveBeenCalled();
  });
});

// Helpers for the cache tests: waiting for conditions and driving the position index to a known state.
import { rebuildTaskIndex } from "../../src/tasks/service";

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Builds the index unless it is there; waits out another builder (a kick or `maintain`). */
export async function ensureIndex(options: { force?: boolean } = {}): Promise<void> {
  await waitFor(async () => {
    const result = await rebuildTaskIndex(options);
    return result.built || (!options.force && result.reason === "ready");
  }, 60_000);
}

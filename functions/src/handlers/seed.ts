import type { Context } from "aws-lambda";
import { systemAuditContext } from "../audit/context";
import { publishSeeded } from "../live/feed";
import { assertControlCaller } from "../platform/control-plane";
import { InvocationError, invocationHandler } from "../platform/invocation";
import { SeedInput } from "../seed/input";
import { abortLoad, beginLoad, loadChunk, runLoad, runStep, withMemory } from "../seed/repository";
import { invalidateCaches } from "../tasks/service";

/** Thrown for input the seed function cannot accept; the message names every offending field. */
export class SeedInputError extends InvocationError {
  constructor(message: string) {
    super(message, "SeedInputError");
  }
}

/**
 * Invoked only through the Lambda Invoke API (no HTTP route). `{ count, truncate?, seed? }` seeds
 * in one invocation; `npm run seed` drives large loads as begin / load / step / abort invocations.
 * Every result reports the invocation's peak rss.
 */
export const handler = invocationHandler(async (event: unknown, context?: Context) => {
  assertControlCaller(context);
  const parsed = SeedInput.safeParse(event ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`);
    throw new SeedInputError(`Invalid seed input: ${issues.join("; ")}`);
  }
  const input = parsed.data;
  const audit = systemAuditContext(context?.awsRequestId ?? null);
  const { value, memory } = await withMemory(async () => {
    switch (input.action) {
      case "run":
        return runLoad(input, undefined, audit);
      case "begin":
        return beginLoad(input);
      case "load":
        return loadChunk(input.loadId, input.chunk);
      case "step":
        return runStep(input.loadId, input.step, audit);
      case "abort":
        return abortLoad(input.loadId);
    }
  });
  // The load bypassed the write path: once it is visible, every cached entry, page and the position
  // index go at once (the index is rebuilt in the background; reads use PostgreSQL meanwhile).
  if (input.action === "run" || ("finished" in value && value.finished)) {
    await invalidateCaches();
    await publishSeeded({ rows: "rows" in value ? value.rows : undefined });
  }
  return { ...value, memory };
});

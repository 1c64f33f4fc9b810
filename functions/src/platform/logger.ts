// The one logger: one JSON object per line on stdout (CloudWatch and serverless-offline both keep
// stdout), each carrying the id of the invocation it belongs to, whichever module writes it.
import { AsyncLocalStorage } from "node:async_hooks";

export type LogLevel = "info" | "warn" | "error";

const invocation = new AsyncLocalStorage<{ requestId: string | undefined }>();

/**
 * Runs `fn` with `requestId` on every line it logs. Use the Lambda context's awsRequestId: under
 * serverless-offline the event's requestContext.requestId is the same for every request.
 */
export function withRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return invocation.run({ requestId }, fn);
}

export function log(level: LogLevel, msg: string, extra: Record<string, unknown> = {}): void {
  const requestId = invocation.getStore()?.requestId;
  process.stdout.write(`${JSON.stringify({ level, msg, ...(requestId ? { requestId } : {}), ...extra })}\n`);
}

/** An error's stack for a log line (never for a response). */
export const errorText = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? String(error)) : String(error);

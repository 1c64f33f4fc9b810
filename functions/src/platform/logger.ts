// The one logger: Powertools for AWS Lambda's Logger (one JSON object per line on stdout, which
// CloudWatch and serverless-offline both keep), each line carrying the id of the invocation it
// belongs to, whichever module writes it. The id comes from AsyncLocalStorage, not from the
// Logger's own per-invocation keys: serverless-offline's in-process mode runs concurrent
// invocations through one module scope, where appended keys would leak between requests.
import { AsyncLocalStorage } from "node:async_hooks";
import { Logger } from "@aws-lambda-powertools/logger";

export type LogLevel = "info" | "warn" | "error";

export const logger = new Logger({ serviceName: "million-tasks" });

const invocation = new AsyncLocalStorage<{ requestId: string | undefined }>();

/**
 * Runs `fn` with `requestId` on every line it logs. Use the Lambda context's awsRequestId: under
 * serverless-offline the event's requestContext.requestId is the same for every request.
 */
export function withRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return invocation.run({ requestId }, fn);
}

/** The id of the invocation running now: logs, metrics and the X-Request-Id header all carry it. */
export const currentRequestId = (): string | undefined => invocation.getStore()?.requestId;

export function log(level: LogLevel, msg: string, extra: Record<string, unknown> = {}): void {
  const requestId = currentRequestId();
  logger[level](msg, { ...(requestId ? { requestId } : {}), ...extra });
}

/** An error's stack for a log line (never for a response). */
export const errorText = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? String(error)) : String(error);

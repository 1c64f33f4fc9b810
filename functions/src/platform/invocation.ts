// What a function that is not behind the HTTP wrapper (seed, maintain, broadcast, the WebSocket
// routes) lets a caller of the Lambda Invoke API see when it fails. The runtime sends the caller the
// thrown error's name, message and stack (serverless-offline and AWS alike), and the stack names
// absolute paths of the bundle (issue 11, finding 7). So an invocation fails with a new error that
// has no frames: the message of an error meant for the caller, or an opaque one naming the request
// id, and the full error goes to the log.
import type { Context } from "aws-lambda";
import { ZodError } from "zod";
import { HttpError } from "./errors";
import { errorText, log, withRequestId } from "./logger";

/**
 * An error whose message is written for the caller (bad input, a state the caller can fix). The
 * name is given, not taken from the class: the bundles are minified.
 */
export class InvocationError extends Error {
  readonly expose = true;
  constructor(message: string, name = "InvocationError") {
    super(message);
    this.name = name;
  }
}

/** Typed HTTP errors (a database that is down: 503) say nothing internal either. */
const isExposed = (error: unknown): error is Error =>
  error instanceof HttpError || (error instanceof Error && (error as { expose?: unknown }).expose === true);

/** The error the caller gets: a name and message, and a stack of that one line. */
export function callerError(error: unknown, requestId?: string): Error {
  let name = "InternalError";
  let message = `Internal error${requestId ? ` (request ${requestId})` : ""}; the function's log has the details`;
  if (error instanceof ZodError) {
    name = "InvalidInputError";
    message = `Invalid input: ${error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ")}`;
  } else if (isExposed(error)) {
    name = error.name;
    message = error.message;
  }
  const safe = new Error(message);
  safe.name = name;
  safe.stack = `${name}: ${message}`;
  return safe;
}

/** Wraps a function reached through the Invoke API (or an event source) so it fails safely. */
export function invocationHandler<E, R>(
  handler: (event: E, context?: Context) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  return (event, context) =>
    withRequestId(context?.awsRequestId, async () => {
      try {
        return await handler(event, context);
      } catch (error) {
        if (!isExposed(error) && !(error instanceof ZodError)) {
          log("error", "invocation failed", { error: errorText(error) });
        }
        throw callerError(error, context?.awsRequestId);
      }
    });
}

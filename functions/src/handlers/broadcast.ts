import type { Context } from "aws-lambda";
import { drain } from "../live/fanout";
import { assertControlCaller, ControlPlaneDeniedError } from "../platform/control-plane";

/**
 * Fans the live events out to every WebSocket connection. Invoked asynchronously (InvocationType
 * Event) by each write; never throws, because an asynchronous invocation that throws takes all of
 * serverless-offline down (PITFALLS.md) and on AWS would only be retried into the same failure.
 */
export const handler = async (_event?: unknown, context?: Context) => {
  try {
    assertControlCaller(context);
    return await drain();
  } catch (error) {
    if (error instanceof ControlPlaneDeniedError) return { drained: false, error: "denied" };
    process.stdout.write(
      `${JSON.stringify({ level: "error", msg: "broadcast failed", error: String(error) })}\n`,
    );
    return { drained: false, error: "failed" };
  }
};

import type { Context } from "aws-lambda";
import { drain } from "../live/fanout";
import { assertControlCaller, ControlPlaneDeniedError } from "../platform/control-plane";
import { errorText, log, withRequestId } from "../platform/logger";

/**
 * Fans the live events out to every WebSocket connection. Invoked asynchronously (InvocationType
 * Event) by each write; never throws, because an asynchronous invocation that throws takes all of
 * serverless-offline down (see infra/serverless/unhandled-rejection-guard.cjs) and on AWS would only be retried into the same failure.
 */
export const handler = (_event: unknown, context?: Context) =>
  withRequestId(context?.awsRequestId, async () => {
    try {
      assertControlCaller(context);
      return await drain();
    } catch (error) {
      if (error instanceof ControlPlaneDeniedError) return { drained: false, error: "denied" };
      log("error", "broadcast failed", { error: errorText(error) });
      return { drained: false, error: "failed" };
    }
  });

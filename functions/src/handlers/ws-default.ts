import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import * as z from "zod";
import { managementEndpoint, syncReply } from "../live/feed";
import { headSeq, touchConnection } from "../live/store";
import { opsSnapshot } from "../ops/snapshot";
import { authenticate } from "../platform/auth";
import { HttpError } from "../platform/errors";
import { invocationHandler } from "../platform/invocation";
import { limitWsMessage } from "../platform/rate-limit";

/**
 * What a client may send: `hello`/`resync` with the last seq it applied, `ping` to stay registered,
 * or `ops` with an admin's token for the operations page's figures (the /ops page asks every 2 s).
 */
const ClientMessage = z.discriminatedUnion("action", [
  z.object({ action: z.enum(["hello", "resync"]), since: z.number().int().min(0).optional() }),
  z.object({ action: z.literal("ping") }),
  z.object({ action: z.literal("ops"), token: z.string().min(1).max(8_192) }),
]);

/** The `ops` reply: the snapshot for an admin, the same refusal as GET /ops for anyone else. */
async function opsReply(token: string): Promise<{ statusCode: number; body: string }> {
  try {
    await authenticate(token, "admin");
  } catch (error) {
    const statusCode = error instanceof HttpError ? error.statusCode : 401;
    const code = statusCode === 403 ? "forbidden" : "unauthorized";
    return { statusCode, body: JSON.stringify({ type: "error", code }) };
  }
  return { statusCode: 200, body: JSON.stringify({ type: "ops", snapshot: await opsSnapshot() }) };
}

/**
 * WebSocket $default. The reply is the route response (serverless.yml sets
 * routeResponseSelectionExpression: $default): `sync` with the events after `since` from the
 * stream, whether that is all of them, and the counters; or `pong` with the stream's head seq.
 */
export const handler = invocationHandler(async (event: APIGatewayProxyWebsocketEventV2) => {
  let message: z.infer<typeof ClientMessage>;
  try {
    message = ClientMessage.parse(JSON.parse(event.body ?? ""));
  } catch {
    return { statusCode: 400, body: JSON.stringify({ type: "error", code: "bad_message" }) };
  }
  const limit = await limitWsMessage(event.requestContext.connectionId);
  if (limit && !limit.allowed) {
    return {
      statusCode: 429,
      body: JSON.stringify({
        type: "error",
        code: "rate_limited",
        retryAfter: Math.max(1, limit.resetSeconds),
      }),
    };
  }
  try {
    const { connectionId, domainName, stage } = event.requestContext;
    await touchConnection(connectionId, managementEndpoint({ domainName, stage }));
    // The stream's head: a client that applied less knows it missed events (the last ones a failed
    // post lost leave no gap behind them) and asks for them.
    if (message.action === "ping") {
      return { statusCode: 200, body: JSON.stringify({ type: "pong", head: await headSeq() }) };
    }
    if (message.action === "ops") return await opsReply(message.token);
    return { statusCode: 200, body: await syncReply(message.since) };
  } catch {
    return { statusCode: 503, body: JSON.stringify({ type: "error", code: "unavailable" }) };
  }
});

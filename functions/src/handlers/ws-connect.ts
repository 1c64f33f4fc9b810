import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { managementEndpoint } from "../live/feed";
import { registerConnection } from "../live/store";
import { authenticate } from "../platform/auth";
import { HttpError } from "../platform/errors";
import { rememberConnectionActor } from "../platform/rate-limit";
import type { Actor } from "../platform/roles";

/** $connect events carry the handshake's query string, which the v2 WebSocket type leaves out. */
type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined> | null;
};

import { invocationHandler } from "../platform/invocation";

/**
 * WebSocket $connect: browsers cannot set headers on a WebSocket, so the bearer token comes as the
 * `token` query parameter (never logged: nothing here writes the event). A viewer or above is
 * registered (with an expiry) where the fan-out finds it; a missing or bad token refuses the
 * handshake with 401, and when Redis cannot take the connection it is a 503 the client retries.
 */
export const handler = invocationHandler(async (event: ConnectEvent) => {
  const { connectionId, domainName, stage } = event.requestContext;
  let actor: Actor | undefined;
  try {
    actor = await authenticate(event.queryStringParameters?.token || undefined, "viewer");
  } catch (error) {
    const statusCode = error instanceof HttpError ? error.statusCode : 401;
    return { statusCode, body: JSON.stringify({ type: "error", code: "unauthorized" }) };
  }
  try {
    await registerConnection(connectionId, managementEndpoint({ domainName, stage }));
    if (actor) await rememberConnectionActor(connectionId, actor);
    return { statusCode: 200 };
  } catch {
    return { statusCode: 503 };
  }
});

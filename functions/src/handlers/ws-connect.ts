import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { managementEndpoint } from "../live/feed";
import { registerConnection } from "../live/store";
import { invocationHandler } from "../platform/invocation";

/**
 * WebSocket $connect: registers the connection (with an expiry) where the fan-out finds it. When
 * Redis cannot take it the handshake is refused, and the client retries with backoff.
 */
export const handler = invocationHandler(async (event: APIGatewayProxyWebsocketEventV2) => {
  const { connectionId, domainName, stage } = event.requestContext;
  try {
    await registerConnection(connectionId, managementEndpoint({ domainName, stage }));
    return { statusCode: 200 };
  } catch {
    return { statusCode: 503 };
  }
});

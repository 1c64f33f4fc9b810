import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { removeConnections } from "../live/store";
import { invocationHandler } from "../platform/invocation";

/** WebSocket $disconnect: forgets the connection (a missed one expires, or answers 410 to the next post). */
export const handler = invocationHandler(async (event: APIGatewayProxyWebsocketEventV2) => {
  await removeConnections([event.requestContext.connectionId]).catch(() => {});
  return { statusCode: 200 };
});

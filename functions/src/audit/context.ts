// Who a write is recorded as, and where it came from. Built once per request at the boundary and
// handed down to the repository, which writes it into audit_log as query parameters (never a
// session setting: SET / set_config pin connections behind RDS Proxy).
import type { Context } from "aws-lambda";
import { type ApiEvent, actorOf } from "../platform/http";
import type { Actor, Role } from "../platform/roles";

/** The actor of work no person asked for directly: seeds and bulk jobs through the control plane. */
export interface SystemActor {
  id: string;
  name: string;
  role: "system";
}

export interface AuditContext {
  actor: Actor | SystemActor;
  /** The Lambda context's awsRequestId: unique per invocation (serverless-offline's requestContext.requestId is a constant). */
  requestId: string | null;
  clientIp: string | null;
  userAgent: string | null;
}

export type AuditRole = Role | "system";

/** Longer user agents are cut: the log records who, not everything a client chose to send. */
const MAX_USER_AGENT = 512;

export const CONTROL_PLANE_ACTOR: SystemActor = {
  id: "control-plane",
  name: "control plane",
  role: "system",
};

/** The audit context of an authenticated HTTP request; only routes with a role may write. */
export function auditContextOf(
  event: ApiEvent,
  context: Pick<Context, "awsRequestId"> | undefined,
): AuditContext {
  const actor = actorOf(event);
  if (!actor) throw new Error("a write reached its handler without an authenticated actor");
  const userAgent = event.headers?.["user-agent"] ?? event.requestContext?.http?.userAgent ?? null;
  return {
    actor,
    requestId: context?.awsRequestId ?? null,
    clientIp: event.requestContext?.http?.sourceIp ?? null,
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
  };
}

/** The audit context of a control-plane invocation (seed, later bulk jobs). */
export function systemAuditContext(
  requestId: string | null,
  actor: SystemActor = CONTROL_PLANE_ACTOR,
): AuditContext {
  return { actor, requestId, clientIp: null, userAgent: null };
}

import { AuditQuery } from "#contract/audit";
import { auditEntries } from "../audit/repository";
import { httpHandler, json, parseInput } from "../platform/http";

/** GET /audit: every recorded change, newest first; filters actor, action, taskId, since, until. */
export const handler = httpHandler(
  async (event) => json(200, await auditEntries(parseInput(AuditQuery, event.queryStringParameters ?? {}))),
  { role: "admin" },
);

// How a write records itself: SQL fragments that the task repository puts into the very statement
// that changes a task, so the audit row commits or rolls back with the change and costs no extra
// round trip. A rejected write (a 412, a failed constraint) changes no row, so it records none.
import type { AUDIT_ACTIONS } from "#contract/audit";
import { config } from "../platform/config";
import { SqlParams } from "../tasks/query";
import type { AuditContext } from "./context";

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const COLUMNS =
  "actor_id, actor_name, actor_role, action, task_id, changes, version, request_id, client_ip, user_agent";

/** The actor and request columns as parameters, in COLUMNS order after `action`'s neighbours. */
function who(params: SqlParams, context: AuditContext) {
  return {
    actorId: params.add(context.actor.id),
    actorName: params.add(context.actor.name),
    actorRole: params.add(context.actor.role),
    requestId: params.add(context.requestId),
    clientIp: params.add(context.clientIp),
    userAgent: params.add(context.userAgent),
  };
}

/**
 * A data-modifying CTE body that records one row per row of `source` (a CTE of task rows, alias t):
 * `before` and `after` are SQL jsonb expressions of the task's API JSON (or null).
 */
export function auditRowsFrom(
  params: SqlParams,
  context: AuditContext,
  action: AuditAction,
  source: { from: string; before: string; after: string },
): string {
  if (!config.AUDIT_WRITES) return "select 1";
  const w = who(params, context);
  return `insert into audit_log (${COLUMNS})
    select ${w.actorId}, ${w.actorName}, ${w.actorRole}, ${params.add(action)}, t.id,
           audit_changes(${source.before}, ${source.after}), t.version,
           ${w.requestId}, ${w.clientIp}, ${w.userAgent}
    from ${source.from}`;
}

/** One summary row for a write over many tasks (a seed, a bulk job): facts, not a row per task. */
export function auditSummary(
  context: AuditContext,
  action: AuditAction,
  facts: Record<string, unknown>,
): { text: string; values: unknown[] } {
  const params = new SqlParams();
  const w = who(params, context);
  const text = `insert into audit_log (${COLUMNS})
    values (${w.actorId}, ${w.actorName}, ${w.actorRole}, ${params.add(action)}, null,
            ${params.add(JSON.stringify(facts))}::jsonb, null, ${w.requestId}, ${w.clientIp}, ${w.userAgent})`;
  return { text, values: params.values };
}

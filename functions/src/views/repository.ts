// Saved views (migration 012): the only module with their SQL. A view is its owner's; a shared
// one is readable by anyone signed in who has its id. Changes are audited (view.create, .update,
// .delete) in the same transaction.
import { MAX_VIEWS_PER_ACTOR } from "#contract/constants";
import type { View } from "#contract/views";
import type { AuditContext } from "../audit/context";
import { auditSummary } from "../audit/sql";
import { type Queryable, query, transaction } from "../platform/db";
import { ConflictError, NotFoundError, NotOwnerError } from "../platform/errors";
import { type Actor, roleAtLeast } from "../platform/roles";
import { iso } from "../tasks/query";

const VIEW_JSON = `json_build_object('id', v.id, 'name', v.name,
  'owner', json_build_object('id', v.owner_id, 'name', v.owner_name), 'shared', v.shared,
  'query', v.query, 'columns', v.columns, 'createdAt', ${iso("v.created_at")},
  'updatedAt', ${iso("v.updated_at")}, 'version', v.version)`;

export interface ViewInput {
  name: string;
  query: Record<string, string>;
  columns: unknown[];
  shared: boolean;
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "23505";

async function audited<T>(
  audit: AuditContext,
  action: "view.create" | "view.update" | "view.delete",
  run: (client: Queryable) => Promise<T & { id: string; name: string }>,
): Promise<T> {
  try {
    return await transaction(async (client) => {
      const result = await run(client);
      const summary = auditSummary(audit, action, { viewId: result.id, name: result.name });
      await query(summary.text, summary.values, client);
      return result;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError("You already have a view with this name");
    throw error;
  }
}

export async function listViews(actor: Actor): Promise<View[]> {
  const result = await query<{ view: View }>(
    `select ${VIEW_JSON} as view from saved_views v where v.owner_id = $1 order by v.name, v.id`,
    [actor.id],
  );
  return result.rows.map((row) => row.view);
}

export async function createView(input: ViewInput, audit: AuditContext): Promise<View> {
  return audited(audit, "view.create", async (client) => {
    const result = await query<{ view: View; id: string; name: string }>(
      `insert into saved_views (owner_id, owner_name, name, shared, query, columns)
       select $1, $2, $3, $4, $5::jsonb, $6::jsonb
        where (select count(*) from saved_views where owner_id = $1) < ${MAX_VIEWS_PER_ACTOR}
       returning ${VIEW_JSON.replaceAll("v.", "saved_views.")} as view, id::text as id, name`,
      [
        audit.actor.id,
        audit.actor.name,
        input.name,
        input.shared,
        JSON.stringify(input.query),
        JSON.stringify(input.columns),
      ],
      client,
    );
    const row = result.rows[0];
    if (!row) throw new ConflictError(`At most ${MAX_VIEWS_PER_ACTOR} views each; delete one first`);
    return row.view as View & { id: string; name: string };
  });
}

/** A view the actor may read: their own, a shared one, or any for an admin. */
export async function readView(id: string, actor: Actor): Promise<View> {
  const result = await query<{ view: View; owner: string; shared: boolean }>(
    `select ${VIEW_JSON} as view, v.owner_id as owner, v.shared from saved_views v where v.id = $1::uuid`,
    [id],
  );
  const row = result.rows[0];
  if (!row || (row.owner !== actor.id && !row.shared && !roleAtLeast(actor.role, "admin"))) {
    throw new NotFoundError(`View ${id} not found`);
  }
  return row.view;
}

/** The view's owner, or 404 (unseen) / 403 (seen, shared, but not theirs to change). */
async function assertOwner(client: Queryable, id: string, actor: Actor): Promise<void> {
  const result = await query<{ owner: string; shared: boolean }>(
    "select owner_id as owner, shared from saved_views where id = $1::uuid for update",
    [id],
    client,
  );
  const row = result.rows[0];
  const admin = roleAtLeast(actor.role, "admin");
  if (!row || (row.owner !== actor.id && !row.shared && !admin))
    throw new NotFoundError(`View ${id} not found`);
  if (row.owner !== actor.id && !admin) throw new NotOwnerError("Only its owner changes a view");
}

export async function updateView(id: string, patch: Partial<ViewInput>, audit: AuditContext): Promise<View> {
  return audited(audit, "view.update", async (client) => {
    await assertOwner(client, id, audit.actor as Actor);
    const result = await query<{ view: View }>(
      `update saved_views v set name = coalesce($2, v.name), shared = coalesce($3, v.shared),
          query = coalesce($4::jsonb, v.query), columns = coalesce($5::jsonb, v.columns),
          version = v.version + 1, updated_at = now()
        where v.id = $1::uuid returning ${VIEW_JSON} as view`,
      [
        id,
        patch.name ?? null,
        patch.shared ?? null,
        patch.query === undefined ? null : JSON.stringify(patch.query),
        patch.columns === undefined ? null : JSON.stringify(patch.columns),
      ],
      client,
    );
    const view = result.rows[0]?.view;
    if (!view) throw new NotFoundError(`View ${id} not found`);
    return view as View & { id: string; name: string };
  });
}

export async function deleteView(id: string, audit: AuditContext): Promise<void> {
  await audited(audit, "view.delete", async (client) => {
    await assertOwner(client, id, audit.actor as Actor);
    const result = await query<{ id: string; name: string }>(
      "delete from saved_views where id = $1::uuid returning id::text as id, name",
      [id],
      client,
    );
    const row = result.rows[0];
    if (!row) throw new NotFoundError(`View ${id} not found`);
    return row;
  });
}

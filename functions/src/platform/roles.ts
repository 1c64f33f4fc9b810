// Roles are ordered: each one may do everything the ones below it may. Routes name the least role
// they need; the claim that carries a caller's role is configurable (JWT_ROLE_CLAIM) because every
// identity provider puts it somewhere else (Cognito: `cognito:groups`, Auth0: a namespaced claim).
export const ROLES = ["viewer", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who made a request: the token's subject, a display name, and the role it grants. */
export interface Actor {
  id: string;
  name: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * The highest known role in a claim that is a role name or a list of group names (providers put
 * groups in arrays); unknown names are ignored, so no claim or only unknown names give no role.
 */
export function roleFromClaim(claim: unknown): Role | undefined {
  const names = Array.isArray(claim) ? claim : [claim];
  let best: Role | undefined;
  for (const name of names) {
    if (isRole(name) && (best === undefined || roleAtLeast(name, best))) best = name;
  }
  return best;
}

// Who the site is signed in as. In development `npm start` (and the browser tests) serve
// /dev-session.json next to the page: demo users with tokens minted from the checkout's development
// key, so the site signs in as the demo editor and the user menu switches among them. A production
// build has no such file; there the provider's sign-in (OIDC with PKCE, infra/DEPLOY.md) supplies
// the token. Tokens live in memory only, never in cookies, so the API has no ambient credential
// for a forged request to ride on.
import { useSyncExternalStore } from "react";

export type Role = "viewer" | "editor" | "admin";

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
  token: string;
}

export interface Session {
  users: SessionUser[];
  current: SessionUser | null;
}

const STORAGE_KEY = "million-tasks.user";
const ROLES: Role[] = ["viewer", "editor", "admin"];

let session: Session = { users: [], current: null };
const listeners = new Set<() => void>();

function publish(next: Session): void {
  session = next;
  for (const listener of listeners) listener();
}

function remembered(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** Reads the development session, if this site has one; without it nobody is signed in. */
export async function loadSession(url = "/dev-session.json"): Promise<Session> {
  try {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    const body = (await response.json()) as { defaultUser?: string; users?: SessionUser[] };
    const users = (body.users ?? []).filter((user) => ROLES.includes(user.role) && user.token);
    const wanted = remembered() ?? body.defaultUser;
    publish({ users, current: users.find((user) => user.id === wanted) ?? users[0] ?? null });
  } catch {
    publish({ users: [], current: null });
  }
  return session;
}

export function switchUser(id: string): void {
  const user = session.users.find((candidate) => candidate.id === id);
  if (!user) return;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, id);
  } catch {
    // Private mode: the choice lasts this page only.
  }
  publish({ ...session, current: user });
}

/** The bearer token for the API and the WebSocket; undefined when nobody is signed in. */
export function accessToken(): string | undefined {
  return session.current?.token;
}

export function currentSession(): Session {
  return session;
}

/** Whether the signed-in role may create, edit and delete, and if not, why (for a hover title). */
export function writeAccess(current: SessionUser | null = session.current): {
  canWrite: boolean;
  whyNot?: string;
} {
  // The grid only renders for a signed-in user (SignedInGrid); a component rendered on its own
  // leaves the decision to the API, whose 401/403 the component shows like any error.
  if (!current) return { canWrite: true };
  if (current.role === "viewer") {
    return {
      canWrite: false,
      whyNot: `${current.name} is a viewer: viewers can read tasks but not change them`,
    };
  }
  return { canWrite: true };
}

export function useSession(): Session {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => session,
    () => session,
  );
}

export function useWriteAccess(): { canWrite: boolean; whyNot?: string } {
  return writeAccess(useSession().current);
}

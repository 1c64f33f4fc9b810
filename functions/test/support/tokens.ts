// Tokens for tests, signed with the checkout's development key (scripts/lib/dev-keys.ts) that the
// test stacks and vitest.config.ts hand the functions as JWT_JWKS. One helper per kind of caller,
// including every kind of bad token a route must refuse.
import { generateKeyPairSync } from "node:crypto";
import { DEV_AUDIENCE, DEV_ISSUER, devKeys, mintDevToken } from "../../../scripts/lib/dev-keys";
import type { Role } from "../../src/platform/roles";

const cache = new Map<Role, string>();

/** A valid token for a test user with this role (one per role, reused within a run). */
export function tokenFor(role: Role): string {
  let token = cache.get(role);
  if (!token) {
    token = mintDevToken({ sub: `test-${role}`, name: `Test ${role}`, role, ttlSeconds: 3 * 3600 });
    cache.set(role, token);
  }
  return token;
}

export function authHeaders(role: Role = "admin"): Record<string, string> {
  return { authorization: `Bearer ${tokenFor(role)}` };
}

/** `init` with an Authorization header added (admin by default): for calls testing something else. */
export function withAuth(init: RequestInit = {}, role: Role = "admin"): RequestInit {
  return { ...init, headers: { ...authHeaders(role), ...(init.headers as Record<string, string>) } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Every way a bearer credential can be wrong, each of which must be a 401. */
export function badCredentials(): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: DEV_ISSUER, aud: DEV_AUDIENCE, sub: "mallory", role: "admin", exp: now + 600 };
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const otherKey = privateKey.export({ format: "jwk" });
  const valid = tokenFor("admin");
  const [header] = valid.split(".");
  return {
    malformed: "Bearer not.a.jwt",
    "not bearer": `Basic ${Buffer.from("admin:admin").toString("base64")}`,
    expired: `Bearer ${mintDevToken({ sub: "mallory", role: "admin", ttlSeconds: -600 })}`,
    "wrong issuer": `Bearer ${mintDevToken({ sub: "mallory", role: "admin", issuer: "https://evil.example" })}`,
    "wrong audience": `Bearer ${mintDevToken({ sub: "mallory", role: "admin", audience: "another-api" })}`,
    "alg none": `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
    // HS256 "signed" with the public key: the classic algorithm-confusion attack.
    "alg HS256": `Bearer ${b64({ alg: "HS256", typ: "JWT", kid: devKeys().kid })}.${b64(claims)}.${Buffer.from("x".repeat(32)).toString("base64url")}`,
    "wrong key": `Bearer ${mintDevToken({ sub: "mallory", role: "admin" }, { privateJwk: otherKey })}`,
    "tampered payload": `Bearer ${header}.${b64({ ...claims, sub: "test-admin" })}.${valid.split(".")[2]}`,
    "no role": `Bearer ${mintDevToken({ sub: "mallory", role: "superuser" })}`,
  };
}

// Development identity: one ES256 key pair and one control-plane secret per checkout, generated on
// first use under .data/auth/ (gitignored, never committed) by `npm start`, `npm run token` and the
// test setup. The functions only ever see the public key set (JWT_JWKS); signing stays here, so
// a production deployment, which trusts its provider's JWKS_URL instead, cannot accept these.
// Synchronous on purpose: vitest.config.ts needs the key set while it builds its environment.
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, randomBytes, sign } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Role } from "../../functions/src/platform/roles";

const ROOT = path.resolve(__dirname, "../..");
export const AUTH_DIR = process.env.DEV_AUTH_DIR ?? path.join(ROOT, ".data/auth");
export const DEV_ISSUER = "million-tasks-dev";
export const DEV_AUDIENCE = "million-tasks-api";

/** The demo users the site's user menu switches among (development keys only). */
export const DEMO_USERS: readonly { id: string; name: string; role: Role }[] = [
  { id: "vera", name: "Vera Viewer", role: "viewer" },
  { id: "alice", name: "Alice Editor", role: "editor" },
  { id: "ada", name: "Ada Admin", role: "admin" },
];
export const DEFAULT_DEMO_USER = "alice";

interface DevKeys {
  kid: string;
  privateJwk: JsonWebKey;
  /** The public half as a JWKS, the form JWT_JWKS and a provider's jwks_uri both use. */
  jwks: { keys: JsonWebKey[] };
}

/** Writes through a temporary file and rename, so a concurrent first start never reads half a key. */
function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, file);
}

function readOrCreate(file: string, create: () => string): string {
  // Only the auth folder is private: .data/ itself must stay traversable (the embedded PostgreSQL
  // runs as another OS user under it).
  const dir = path.dirname(file);
  mkdirSync(path.dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) writeAtomically(file, create());
  return readFileSync(file, "utf8");
}

export function devKeys(dir = AUTH_DIR): DevKeys {
  const text = readOrCreate(path.join(dir, "dev-signing-key.json"), () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const kid = `dev-${randomBytes(6).toString("hex")}`;
    return JSON.stringify({ kid, privateJwk: privateKey.export({ format: "jwk" }) });
  });
  const { kid, privateJwk } = JSON.parse(text) as { kid: string; privateJwk: JsonWebKey };
  const { d: _private, ...publicJwk } = privateJwk;
  return { kid, privateJwk, jwks: { keys: [{ ...publicJwk, kid, alg: "ES256", use: "sig" }] } };
}

/** The local control-plane secret (control-plane.ts); CONTROL_SECRET in the environment wins. */
export function controlSecret(dir = AUTH_DIR): string {
  if (process.env.CONTROL_SECRET) return process.env.CONTROL_SECRET;
  return readOrCreate(path.join(dir, "control-secret"), () => randomBytes(32).toString("hex")).trim();
}

/** What the functions need to verify development tokens and guard the control plane. */
export function devAuthEnv(dir = AUTH_DIR): Record<string, string> {
  return {
    JWT_JWKS: JSON.stringify(devKeys(dir).jwks),
    JWT_ISSUER: DEV_ISSUER,
    JWT_AUDIENCE: DEV_AUDIENCE,
    CONTROL_SECRET: controlSecret(dir),
  };
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

export interface TokenClaims {
  sub: string;
  name?: string;
  role: Role | string | string[];
  /** Lifetime in seconds (default 12 h); negative makes an already expired token (tests). */
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  /** Extra or overriding claims (tests). */
  extra?: Record<string, unknown>;
}

/** An ES256 JWT signed with the development key (or `privateJwk`, to test a wrong key). */
export function mintDevToken(
  claims: TokenClaims,
  options: { dir?: string; privateJwk?: JsonWebKey } = {},
): string {
  const keys = devKeys(options.dir);
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "ES256", typ: "JWT", kid: keys.kid };
  const payload = {
    iss: claims.issuer ?? DEV_ISSUER,
    aud: claims.audience ?? DEV_AUDIENCE,
    sub: claims.sub,
    ...(claims.name ? { name: claims.name } : {}),
    role: claims.role,
    iat: now,
    exp: now + (claims.ttlSeconds ?? 12 * 3600),
    ...claims.extra,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const key = createPrivateKey({ key: options.privateJwk ?? keys.privateJwk, format: "jwk" });
  // JWS wants the raw r||s form of an ECDSA signature, not DER (RFC 7518 §3.4).
  const signature = sign("sha256", Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${base64url(signature)}`;
}

/** Writes the demo users' session for the dev server (web/astro.config.mjs); returns its path. */
export function writeDevSession(dir = AUTH_DIR): string {
  const file = path.join(dir, "dev-session.json");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomically(file, JSON.stringify(devSession(12 * 3600, dir)));
  return path.relative(ROOT, file);
}

/** The demo users with fresh tokens: what the site's user menu offers in development. */
export function devSession(ttlSeconds = 12 * 3600, dir = AUTH_DIR) {
  return {
    defaultUser: DEFAULT_DEMO_USER,
    users: DEMO_USERS.map((user) => ({
      ...user,
      token: mintDevToken({ sub: user.id, name: user.name, role: user.role, ttlSeconds }, { dir }),
    })),
  };
}

// Bearer tokens (JWT), verified inside the function: serverless-offline's JWT authorizer decodes
// without checking signatures (PITFALLS.md), and the same code then runs unchanged on Lambda.
// Asymmetric algorithms only, so a leaked verification key cannot mint tokens and `alg: none` or
// HS256 tokens signed with the public key are refused before any key is looked at.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { setNewest } from "./bounded-map";
import { config } from "./config";
import { ForbiddenError, HttpError, ServiceUnavailableError, UnauthorizedError } from "./errors";
import { type Actor, type Role, roleAtLeast, roleFromClaim } from "./roles";

export const ALLOWED_ALGORITHMS = ["RS256", "ES256"];

/** Something a caller sends as `Authorization` (HTTP) or `token` (WebSocket query). */
export type Credential = string | undefined;

let keySet: JWTVerifyGetKey | undefined;

function keys(): JWTVerifyGetKey {
  if (keySet) return keySet;
  if (config.JWKS_URL) {
    // jose caches the set and refetches at most every 30 s when a token names an unknown kid
    // (a provider rotating keys); a slow provider costs at most the timeout, then a 503.
    keySet = createRemoteJWKSet(new URL(config.JWKS_URL), { timeoutDuration: 2_000 });
  } else if (config.JWT_JWKS) {
    keySet = createLocalJWKSet(JSON.parse(config.JWT_JWKS) as JSONWebKeySet);
  } else {
    throw new HttpError(500, "auth_not_configured", "Sign-in is not configured on this server");
  }
  return keySet;
}

const unauthorized = (message: string) => new UnauthorizedError(message, config.AUTH_REALM, true);

/** Why a token failed, in words a client developer can act on; never the token itself. */
function describe(error: unknown): HttpError {
  if (error instanceof errors.JWTExpired) return unauthorized("The token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return unauthorized("The token's issuer is not accepted");
    if (error.claim === "aud") return unauthorized("The token's audience is not accepted");
    return unauthorized(`The token's ${error.claim} claim is not valid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthorized(`The token's algorithm is not accepted (use ${ALLOWED_ALGORITHMS.join(" or ")})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return unauthorized("The token's signature does not verify");
  }
  if (error instanceof errors.JWKSTimeout) {
    return new ServiceUnavailableError("The identity provider's keys could not be fetched; retry shortly");
  }
  if (error instanceof errors.JOSEError) return unauthorized("The token is malformed");
  if (error instanceof HttpError) return error;
  // A JWKS endpoint that answers garbage or not at all surfaces as a plain fetch/parse error.
  return new ServiceUnavailableError("The identity provider's keys could not be read; retry shortly");
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * Tokens this instance already verified, until they expire: a client sends the same token with
 * every request, and an ES256 check costs ~150 µs of CPU here (`npm run bench:auth`), against ~1 µs
 * for a lookup. A token is immutable, so a hit only needs its expiry checked again (a key dropped
 * from the set stops new tokens at once; tokens already seen here end at their own exp).
 */
const verified = new Map<string, { actor: Actor; expiresAtMs: number }>();
const VERIFIED_MAX = 1_000;

/** Verifies a compact JWT and returns who it names; throws a 401 (or 503) HttpError otherwise. */
export async function verifyToken(token: string): Promise<Actor> {
  const known = verified.get(token);
  if (known && Date.now() < known.expiresAtMs) return known.actor;
  return verifyUncached(token);
}

async function verifyUncached(token: string): Promise<Actor> {
  if (!config.JWT_ISSUER || !config.JWT_AUDIENCE) {
    throw new HttpError(500, "auth_not_configured", "Sign-in is not configured on this server");
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys(), {
      algorithms: ALLOWED_ALGORITHMS,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["sub", "exp"],
    }));
  } catch (error) {
    throw describe(error);
  }
  const role = roleFromClaim(payload[config.JWT_ROLE_CLAIM]);
  if (!role) throw unauthorized(`The token grants no role (claim ${config.JWT_ROLE_CLAIM})`);
  const id = payload.sub as string;
  const actor: Actor = { id, name: stringClaim(payload, config.JWT_NAME_CLAIM) ?? id, role };
  // No clock tolerance on a hit: it ends at exp exactly.
  setNewest(verified, token, { actor, expiresAtMs: (payload.exp as number) * 1000 }, VERIFIED_MAX);
  return actor;
}

/** The token of an `Authorization: Bearer <token>` header; a header of another form is a 401. */
export function bearerToken(header: Credential): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw unauthorized("The Authorization header must be `Bearer <token>`");
  return match[1];
}

/**
 * The actor behind a credential, if it may act as `needed`. `needed: undefined` is a public route:
 * no credential is fine there, but one that is sent must still be valid.
 */
export async function authenticate(
  token: string | undefined,
  needed: Role | undefined,
): Promise<Actor | undefined> {
  if (token === undefined) {
    if (needed === undefined) return undefined;
    throw new UnauthorizedError("Sign in: this needs a bearer token", config.AUTH_REALM, false);
  }
  const actor = await verifyToken(token);
  if (needed !== undefined && !roleAtLeast(actor.role, needed)) {
    throw new ForbiddenError(
      `This needs the ${needed} role; ${actor.id} is a ${actor.role}`,
      config.AUTH_REALM,
    );
  }
  return actor;
}

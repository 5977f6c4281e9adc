import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { CurrentUser } from '../../lib/plugin-api.js';
import { unauthorized } from './challenge.js';
import { isKeyObject, type JwtOptions } from './options.js';

/** Verifies a compact JWT and returns its user; a bad token throws a 401 `UNAUTHORIZED`. */
export type JwtVerifier = (token: string) => Promise<CurrentUser>;

/** What a verifier checks a token with: a key or a key set, and jose's claim options. */
interface Verification {
  readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  readonly options: JWTVerifyOptions;
}

/** The registered claims of RFC 7519 §4.1: they stay under `claims` only. */
const REGISTERED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

/** jose errors that say the key set could not be fetched or read: the server's problem, not the caller's. */
const KEY_SET_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

/** The remote key set could not be fetched (the network, the server): a 500 logged with its cause, never a 401. */
class KeySetUnavailable extends Error {
  constructor(url: string, cause: unknown) {
    super(`the JSON Web Key Set at ${url} could not be fetched: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'KeySetUnavailable';
  }
}

/**
 * Builds the verifier of checked `jwt` options: reads a JWKS file and parses a PEM key now, so a
 * mistake is a bootstrap problem (returned as text), not a 401 on every request.
 */
export async function createJwtVerifier(jwt: JwtOptions): Promise<JwtVerifier | string> {
  const key = await keyOf(jwt);
  if (typeof key === 'string') return key;
  const options: JWTVerifyOptions = {
    ...(jwt.issuer !== undefined ? { issuer: jwt.issuer as string | string[] } : {}),
    ...(jwt.audience !== undefined ? { audience: jwt.audience as string | string[] } : {}),
    ...(jwt.algorithms !== undefined ? { algorithms: [...jwt.algorithms] } : {}),
    ...(jwt.clockTolerance !== undefined ? { clockTolerance: jwt.clockTolerance } : {}),
  };
  return verifierOf({ key, options }, jwt.rolesClaim ?? 'roles');
}

function verifierOf({ key, options }: Verification, rolesClaim: string): JwtVerifier {
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, options));
    } catch (error) {
      throw tokenProblem(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('the token has no sub claim naming the user', 'invalid_token');
    // The app's own claims (teamId …) also sit on the user itself, so `where` functions read user.teamId.
    const own = Object.fromEntries(Object.entries(payload).filter(([name]) => !REGISTERED_CLAIMS.has(name) && name !== rolesClaim));
    return { ...own, id: payload.sub, roles: rolesOf(payload, rolesClaim), claims: payload };
  };
}

/** The roles in `claim`: a list of strings, one string, or none when the claim is absent; anything else is a bad token. */
function rolesOf(payload: JWTPayload, claim: string): string[] {
  const value = claim in payload || !claim.includes('.')
    ? payload[claim]
    : claim.split('.').reduce<unknown>((object, name) => (object !== null && typeof object === 'object' ? (object as Record<string, unknown>)[name] : undefined), payload);
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((role) => typeof role === 'string')) return [...value];
  throw unauthorized(`the token's ${claim} claim must be a string or a list of strings`, 'invalid_token');
}

/** A failed verification as a 401 saying what was wrong; a key set that could not be fetched stays an error (500). */
function tokenProblem(error: unknown): unknown {
  if (error instanceof KeySetUnavailable) return error;
  if (!(error instanceof errors.JOSEError)) return unauthorized('the token cannot be verified with the configured key', 'invalid_token');
  if (KEY_SET_FAILURES.has(error.code)) return error;
  if (error instanceof errors.JWTExpired) return unauthorized('the token has expired', 'invalid_token');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    const what = claim === 'nbf' ? 'the token is not valid yet (nbf)'
      : claim === 'iat' ? 'the token was issued in the future (iat)'
        : claim === 'iss' ? 'the token\'s issuer (iss) is not accepted'
          : claim === 'aud' ? 'the token\'s audience (aud) is not accepted'
            : `the token's ${claim} claim is not accepted`;
    return unauthorized(what, 'invalid_token');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return unauthorized('the token\'s algorithm (alg) is not accepted', 'invalid_token');
  if (error instanceof errors.JWSSignatureVerificationFailed) return unauthorized('the token\'s signature does not verify', 'invalid_token');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return unauthorized('no single key of the key set matches the token', 'invalid_token');
  return unauthorized('the token is malformed', 'invalid_token');
}

/** The key or key set of the options, or a problem naming the option. */
async function keyOf(jwt: JwtOptions): Promise<Uint8Array | KeyObject | JWTVerifyGetKey | string> {
  if (jwt.secret !== undefined) return typeof jwt.secret === 'string' ? new TextEncoder().encode(jwt.secret) : jwt.secret;
  if (jwt.publicKey !== undefined) {
    try {
      const key = isKeyObject(jwt.publicKey) ? jwt.publicKey : createPublicKey(jwt.publicKey);
      if (key.type === 'secret') return 'option jwt.publicKey is a secret key; pass an HMAC secret as jwt.secret instead';
      // A private key verifies with the public key inside it.
      return key.type === 'private' ? createPublicKey(key) : key;
    } catch {
      return 'option jwt.publicKey is not a public key Node can read; pass PEM text (-----BEGIN PUBLIC KEY----- or a certificate) or a KeyObject';
    }
  }
  const jwks = jwt.jwks!;
  if (typeof jwks === 'string' && /^https?:\/\//i.test(jwks)) {
    let remote: JWTVerifyGetKey;
    try {
      remote = createRemoteJWKSet(new URL(jwks));
    } catch {
      return `option jwt.jwks ${jwks} is not a valid URL`;
    }
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        // jose's own errors say what is wrong with the token (no key with its kid …); fetch's say the network failed.
        throw error instanceof errors.JOSEError ? error : new KeySetUnavailable(jwks, error);
      }
    };
  }
  let keySet: unknown = jwks;
  if (typeof jwks === 'string') {
    const path = jwks.startsWith('file:') ? fileURLToPath(jwks) : jwks;
    try {
      keySet = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      return `option jwt.jwks: cannot read a key set from ${path} (${(error as NodeJS.ErrnoException).code ?? 'not JSON'}); give a JWKS file ({ "keys": [...] }) or an https:// URL`;
    }
  }
  try {
    return createLocalJWKSet(keySet as JSONWebKeySet);
  } catch {
    return 'option jwt.jwks is not a JSON Web Key Set: it needs a "keys" list of JWKs';
  }
}

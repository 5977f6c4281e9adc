import type { KeyObject } from 'node:crypto';

/**
 * How JWT bearer tokens are verified (with `jose`). Exactly one key source: `secret`, `publicKey`
 * or `jwks`.
 */
export interface JwtOptions {
  /** HMAC secret (HS256, HS384, HS512): a string (its UTF-8 bytes) or bytes, at least 32 bytes. */
  secret?: string | Uint8Array;
  /** A public key (RS*, PS*, ES*, EdDSA): PEM text (SPKI `PUBLIC KEY` or an X.509 certificate) or a Node `KeyObject`. */
  publicKey?: string | KeyObject;
  /**
   * A JSON Web Key Set: an `https://` or `http://` URL (fetched when a token names a key it has
   * not seen, cached 10 minutes), a file path or `file:` URL (read at bootstrap), or the set itself (`{ keys: [...] }`).
   */
  jwks?: string | { keys: readonly object[] };
  /** The `iss` a token must have (one of these, when a list). */
  issuer?: string | readonly string[];
  /** The `aud` a token must have (one of these, when a list). */
  audience?: string | readonly string[];
  /** The `alg`s accepted (e.g. `['RS256']`); default: every algorithm that fits the key. */
  algorithms?: readonly string[];
  /** Leeway for `exp` and `nbf`: seconds, or a span such as `'30s'` or `'2m'` (default 0). */
  clockTolerance?: number | string;
  /**
   * The claim holding the user's roles (default `roles`): a string or a list of strings. A dotted
   * path (`realm_access.roles`) is followed when no claim has the whole name.
   */
  rolesClaim?: string;
}

/** Options of `authPlugin`; at least one of `jwt` and `apiKeys`. */
export interface AuthOptions {
  /** Accept JWT bearer tokens (`Authorization: Bearer <jwt>`). */
  jwt?: JwtOptions;
  /**
   * Accept API keys made with `strata api-keys create` or the `apiKeys` service, sent as
   * `Authorization: Bearer <key>` or `X-Api-Key: <key>`; default false.
   */
  apiKeys?: boolean;
}

const AUTH_OPTIONS = ['jwt', 'apiKeys'];
const JWT_OPTIONS = ['secret', 'publicKey', 'jwks', 'issuer', 'audience', 'algorithms', 'clockTolerance', 'rolesClaim'];
const KEY_SOURCES = ['secret', 'publicKey', 'jwks'] as const;
/** The JWS algorithms jose verifies (`none` is never accepted). */
export const JWS_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** RFC 7518 §3.2: an HMAC key at least as long as the hash, so 32 bytes for HS256. */
export const MIN_SECRET_BYTES = 32;
const SPAN = /^\d+(\.\d+)?\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours)$/i;

/**
 * Everything wrong with `authPlugin`'s options, each naming the option and the fix (bootstrap
 * reports them with the other problems). Reading a JWKS file is left to `validate`.
 */
export function optionProblems(options: AuthOptions): string[] {
  if (options === null || typeof options !== 'object') return ['authPlugin takes an options object: authPlugin({ jwt: { secret } }) or authPlugin({ apiKeys: true })'];
  const problems = unknownOptions(options as object, AUTH_OPTIONS, 'option ');
  if (options.apiKeys !== undefined && typeof options.apiKeys !== 'boolean') problems.push(`option apiKeys must be true or false, got ${String(options.apiKeys)}`);
  if (options.jwt === undefined && options.apiKeys !== true) {
    problems.push('nothing to check: pass jwt: { secret | publicKey | jwks } to accept JWT bearer tokens, apiKeys: true to accept API keys, or both');
  }
  if (options.jwt !== undefined) problems.push(...jwtProblems(options.jwt));
  return problems;
}

function jwtProblems(jwt: JwtOptions): string[] {
  if (jwt === null || typeof jwt !== 'object') return [`option jwt must be an object such as { secret: process.env.JWT_SECRET }, got ${String(jwt)}`];
  const problems = unknownOptions(jwt, JWT_OPTIONS, 'option jwt.');
  const given = KEY_SOURCES.filter((name) => jwt[name] !== undefined);
  const unset = KEY_SOURCES.filter((name) => name in jwt && jwt[name] === undefined);
  if (given.length === 0) {
    problems.push(unset.length > 0
      ? `option jwt.${unset[0]} is undefined: is the environment variable you read it from set? Give jwt one of secret, publicKey or jwks`
      : 'option jwt needs a key to verify tokens with: secret (HS256), publicKey (PEM or KeyObject) or jwks (URL or file)');
  }
  if (given.length > 1) problems.push(`option jwt has ${given.join(' and ')}: give exactly one key source (secret, publicKey or jwks)`);
  if (jwt.secret !== undefined) {
    const bytes = typeof jwt.secret === 'string' ? Buffer.byteLength(jwt.secret) : jwt.secret instanceof Uint8Array ? jwt.secret.byteLength : -1;
    if (bytes < 0) problems.push('option jwt.secret must be a string or a Uint8Array');
    else if (bytes < MIN_SECRET_BYTES) problems.push(`option jwt.secret is ${bytes} bytes; an HMAC secret needs at least ${MIN_SECRET_BYTES} (make one with: openssl rand -base64 32)`);
  }
  if (jwt.publicKey !== undefined && typeof jwt.publicKey !== 'string' && !isKeyObject(jwt.publicKey)) {
    problems.push('option jwt.publicKey must be PEM text (-----BEGIN PUBLIC KEY-----) or a KeyObject from crypto.createPublicKey');
  }
  if (jwt.jwks !== undefined && typeof jwt.jwks !== 'string' && !Array.isArray((jwt.jwks as { keys?: unknown })?.keys)) {
    problems.push('option jwt.jwks must be a URL (https://…/.well-known/jwks.json), a file path, or a key set { keys: [...] }');
  }
  problems.push(...listProblems(jwt.issuer, 'issuer'), ...listProblems(jwt.audience, 'audience'));
  if (jwt.algorithms !== undefined) {
    const wrong = Array.isArray(jwt.algorithms) ? jwt.algorithms.filter((algorithm) => !JWS_ALGORITHMS.includes(algorithm)) : [String(jwt.algorithms)];
    if (wrong.length > 0 || jwt.algorithms.length === 0) problems.push(`option jwt.algorithms must be a non-empty list of ${JWS_ALGORITHMS.join(', ')}; got ${wrong.join(', ') || 'an empty list'}`);
  }
  const tolerance = jwt.clockTolerance;
  if (tolerance !== undefined && !(typeof tolerance === 'number' ? Number.isFinite(tolerance) && tolerance >= 0 : typeof tolerance === 'string' && SPAN.test(tolerance.trim()))) {
    problems.push(`option jwt.clockTolerance must be seconds (a number of at least 0) or a span such as '30s' or '2m', got ${String(tolerance)}`);
  }
  if (jwt.rolesClaim !== undefined && (typeof jwt.rolesClaim !== 'string' || jwt.rolesClaim === '')) problems.push('option jwt.rolesClaim must be the name of a claim, such as roles or realm_access.roles');
  return problems;
}

function unknownOptions(given: object, known: readonly string[], prefix: string): string[] {
  return Object.keys(given).filter((name) => !known.includes(name)).map((name) => {
    const near = known.find((candidate) => distance(candidate.toLowerCase(), name.toLowerCase()) <= 2);
    return `unknown ${prefix}${name}${near ? `; did you mean ${near}?` : ''} (known: ${known.join(', ')})`;
  });
}

/** Levenshtein distance, for "did you mean" (option names are short). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

function listProblems(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.length > 0 && list.every((item) => typeof item === 'string' && item !== '')
    ? [] : [`option jwt.${name} must be a non-empty string or a list of them`];
}

/** True for a Node `KeyObject` (also from another copy of node:crypto). */
export function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && typeof (value as KeyObject).type === 'string' && typeof (value as KeyObject).export === 'function';
}

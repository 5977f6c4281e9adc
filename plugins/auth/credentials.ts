import type { IncomingHttpHeaders } from 'node:http';
import { unauthorized } from './challenge.js';

/** The credential a request carries: a bearer token (a JWT or an API key) or an `X-Api-Key`. */
export type Credential = { kind: 'bearer'; token: string } | { kind: 'apiKey'; key: string };

/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, a token68. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The credential in `Authorization` or `X-Api-Key`, or undefined when the request carries neither.
 * A header that is there but cannot be read is a 401: an empty one, another scheme than Bearer
 * (this plugin checks bearer credentials only), a malformed token, or both headers at once.
 */
export function readCredential(request: unknown): Credential | undefined {
  const headers: IncomingHttpHeaders = (request as { headers?: IncomingHttpHeaders })?.headers ?? {};
  const authorization = headers.authorization;
  const apiKey = headers['x-api-key'];
  if (authorization === undefined && apiKey === undefined) return undefined;
  if (authorization !== undefined && apiKey !== undefined) throw unauthorized('send one credential: Authorization or X-Api-Key, not both', 'invalid_request');
  if (apiKey !== undefined) {
    const key = (Array.isArray(apiKey) ? apiKey.join(', ') : apiKey).trim();
    if (key === '') throw unauthorized('the X-Api-Key header is empty', 'invalid_request');
    return { kind: 'apiKey', key };
  }
  if (authorization!.trim() === '') throw unauthorized('the Authorization header is empty', 'invalid_request');
  const match = BEARER.exec(authorization!);
  if (match) return { kind: 'bearer', token: match[1] };
  // No error code when the request did not use the Bearer scheme at all (RFC 6750 §3.1).
  if (!/^Bearer(\s|$)/i.test(authorization!)) throw unauthorized('only Bearer credentials are accepted: Authorization: Bearer <token>');
  throw unauthorized('the Authorization header must be Bearer <token>', 'invalid_request');
}

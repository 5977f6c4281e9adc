import { DEFAULT_CHALLENGE, StrataError } from '../../lib/plugin-api.js';

/** The RFC 6750 error codes a 401 names: a malformed request, or a token that is bad (expired, forged, revoked …). */
export type BearerError = 'invalid_request' | 'invalid_token';

/**
 * A 401 `UNAUTHORIZED` with its `WWW-Authenticate` challenge: `Bearer realm="strata"`, plus
 * `error` and `error_description` (RFC 6750 §3) when the request carried a credential that failed.
 * @example throw unauthorized('the token has expired', 'invalid_token');
 */
export function unauthorized(message: string, error?: BearerError): StrataError {
  // error_description allows printable ASCII except " and \ (RFC 6750 §3).
  const description = message.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, ' ');
  const challenge = error ? `${DEFAULT_CHALLENGE}, error="${error}", error_description="${description}"` : DEFAULT_CHALLENGE;
  return new StrataError('UNAUTHORIZED', message, [], { headers: { 'WWW-Authenticate': challenge } });
}

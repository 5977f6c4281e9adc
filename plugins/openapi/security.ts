import { schemaRef, type SecurityScheme } from '../../lib/plugin-api.js';
import type { ReferenceObject, ResponseObject } from './types.js';

/** The name of the shared 401 response in `components.responses`. */
const UNAUTHORIZED_RESPONSE = 'Unauthorized';

/** The `$ref` of the 401 response every operation names when callers can authenticate. */
export const UNAUTHORIZED_REF: ReferenceObject = { $ref: `#/components/responses/${UNAUTHORIZED_RESPONSE}` };

/**
 * What the document says about authentication when plugins declared security schemes (with
 * `context.authenticate(resolver, { schemes })`): the schemes, a top-level `security` that makes
 * each optional (`{}` first: anonymous calls are allowed where the permissions allow them), and the
 * shared 401 response with its `WWW-Authenticate` challenge. Nothing without schemes.
 */
export function securityParts(schemes: Readonly<Record<string, SecurityScheme>>) {
  const names = Object.keys(schemes);
  if (names.length === 0) return undefined;
  const unauthorized: ResponseObject = {
    description: 'Unauthorized: UNAUTHORIZED. A credential is needed and none was sent, or the one sent is bad (malformed, expired, forged, revoked); a bad credential is never taken as an anonymous call.',
    headers: {
      'WWW-Authenticate': { required: true, schema: { type: 'string' }, description: 'The challenge (RFC 6750), e.g. `Bearer realm="strata", error="invalid_token"`.' },
      'X-Request-Id': { $ref: '#/components/headers/RequestId' },
    },
    content: { 'application/problem+json': { schema: { type: 'object', allOf: [schemaRef('Problem')], properties: { status: { const: 401 }, code: { enum: ['UNAUTHORIZED'] } } } } },
  };
  return {
    securitySchemes: Object.fromEntries(names.map((name) => [name, { ...schemes[name] }])),
    security: [{}, ...names.map((name) => ({ [name]: [] as string[] }))],
    responses: { [UNAUTHORIZED_RESPONSE]: unauthorized },
  };
}

import { ERROR_CODES, schemaRef, type ErrorCode } from '../../lib/plugin-api.js';
import type { HeaderObject, ParameterObject, ReferenceObject, ResponseObject } from './types.js';

/** Problem statuses a route can name; each is a `components.responses` entry. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 410 | 412 | 413 | 415 | 422 | 500;

const PROBLEM_RESPONSE_NAMES: Record<ProblemStatus, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Gone', 412: 'PreconditionFailed',
  413: 'PayloadTooLarge', 415: 'UnsupportedMediaType', 422: 'ValidationFailed', 500: 'InternalError',
};

const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** A `$ref` to a component of another kind than schemas. */
function componentRef(kind: 'parameters' | 'headers' | 'responses', name: string): ReferenceObject {
  return { $ref: `#/components/${kind}/${name}` };
}

/** `$ref`s to the shared request header parameters. */
export const HEADER_PARAMETERS = {
  requestId: componentRef('parameters', 'RequestId'),
  ifMatch: componentRef('parameters', 'IfMatch'),
  ifNoneMatch: componentRef('parameters', 'IfNoneMatch'),
};

/** `$ref`s to the shared response headers. */
export const RESPONSE_HEADERS = {
  requestId: componentRef('headers', 'RequestId'),
  etag: componentRef('headers', 'ETag'),
  location: componentRef('headers', 'Location'),
  wwwAuthenticate: componentRef('headers', 'WWWAuthenticate'),
  acceptPatch: componentRef('headers', 'AcceptPatch'),
};

/** The `$ref` of the problem response of `status`, or of any other problem (`default`, and statuses without a response of their own). */
export function problemResponse(status: number | 'default'): ReferenceObject {
  return componentRef('responses', status === 'default' ? 'Problem' : PROBLEM_RESPONSE_NAMES[status as ProblemStatus] ?? 'Problem');
}

/** The request header parameters every operation may take. */
export function sharedParameters(): Record<string, ParameterObject> {
  return {
    RequestId: {
      name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string' },
      description: 'Correlates logs with this request; echoed in the response when it is 1–200 characters of `A-Za-z0-9_.:-/+=`, else replaced.',
    },
    IfMatch: {
      name: 'If-Match', in: 'header', required: false, schema: { type: 'string' },
      description: 'Write only if the current ETag matches (strong comparison, `*` matches any); else 412.',
    },
    IfNoneMatch: {
      name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' },
      description: 'Answer 304 without a body when the ETag matches (weak comparison).',
    },
  };
}

/** The response headers operations refer to. */
export function sharedHeaders(): Record<string, HeaderObject> {
  return {
    RequestId: { required: true, schema: { type: 'string' }, description: 'The request id: the client\'s own when it sent a sensible one, else a new UUID.' },
    ETag: { required: true, schema: { type: 'string' }, description: 'Strong entity tag of the current state; also `_meta.etag` in the body.' },
    Location: { required: true, schema: { type: 'string', format: 'uri-reference' }, description: 'Path of the created resource.' },
    AcceptPatch: { required: false, schema: { type: 'string' }, description: 'The PATCH media types (RFC 5789).' },
    WWWAuthenticate: { required: true, schema: { type: 'string' }, description: 'How to authenticate: `Bearer realm="strata"` (RFC 6750), with `error` and `error_description` when a credential was refused.' },
  };
}

/**
 * One problem+json response per status, its `code` narrowed to the codes of lib/errors/codes.ts
 * that have that status, plus `Problem` for any other problem (authentication, rate limits, hooks).
 */
export function sharedResponses(): Record<string, ResponseObject> {
  const responses: Record<string, ResponseObject> = {};
  for (const [status, name] of Object.entries(PROBLEM_RESPONSE_NAMES)) {
    const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].status === Number(status));
    responses[name] = {
      description: `${ERROR_CODES[codes[0]].title}: ${codes.join(' or ')}.`,
      headers: { 'X-Request-Id': RESPONSE_HEADERS.requestId, ...(status === '401' ? { 'WWW-Authenticate': RESPONSE_HEADERS.wwwAuthenticate } : {}) },
      content: { [PROBLEM_MEDIA_TYPE]: { schema: { type: 'object', allOf: [schemaRef('Problem')], properties: { status: { const: Number(status) }, code: { enum: codes } } } } },
    };
  }
  responses.Problem = {
    description: 'Any other problem, e.g. 401, 403, 428 or 429 from authentication, permissions or hooks.',
    headers: { 'X-Request-Id': RESPONSE_HEADERS.requestId },
    content: { [PROBLEM_MEDIA_TYPE]: { schema: schemaRef('Problem') } },
  };
  return responses;
}

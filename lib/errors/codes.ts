/** The stable error codes of the public contract (docs/errors.md), with their HTTP status and title. */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  VALIDATION_FAILED: { status: 422, title: 'Validation failed' },
  BAD_QUERY: { status: 400, title: 'Bad query' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  GONE: { status: 410, title: 'Gone' },
  CONFLICT: { status: 409, title: 'Conflict' },
  UNIQUE_VIOLATION: { status: 409, title: 'Unique violation' },
  PRECONDITION_FAILED: { status: 412, title: 'Precondition failed' },
  PRECONDITION_REQUIRED: { status: 428, title: 'Precondition required' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Internal error' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const;

/** One of the stable error codes clients can rely on. */
export type ErrorCode = keyof typeof ERROR_CODES;

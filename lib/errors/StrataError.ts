import { ERROR_CODES, type ErrorCode } from './codes.js';

/** One problem with one part of the input, e.g. `{ path: 'email', message: 'email must be an email', constraint: 'isEmail' }`. */
export interface ErrorDetail {
  path: string;
  message: string;
  constraint?: string;
}

/** What else a StrataError carries besides its code, message and details. */
export interface StrataErrorOptions {
  /**
   * Response headers HTTP transports send with the problem, e.g. a `WWW-Authenticate` challenge or
   * `Retry-After` (GraphQL over HTTP and the WebSocket upgrade send them too).
   */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A runtime error with a stable `code`. Transports map it to HTTP or GraphQL in one place each.
 * Build them through the static factories so messages stay uniform.
 */
export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: ErrorDetail[];
  /** Response headers for HTTP transports (see `StrataErrorOptions.headers`); empty by default. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, errors: ErrorDetail[] = [], options: StrataErrorOptions = {}) {
    super(message);
    this.name = 'StrataError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.errors = errors;
    this.headers = Object.freeze({ ...options.headers });
  }

  static badRequest(message: string, errors?: ErrorDetail[]) { return new StrataError('BAD_REQUEST', message, errors); }
  static badQuery(message: string, errors?: ErrorDetail[]) { return new StrataError('BAD_QUERY', message, errors); }
  static validation(errors: ErrorDetail[]) {
    const more = errors.length > MAX_LISTED_ERRORS ? ` (and ${errors.length - MAX_LISTED_ERRORS} more)` : '';
    return new StrataError('VALIDATION_FAILED', errors.slice(0, MAX_LISTED_ERRORS).map((e) => e.message).join('; ') + more, errors);
  }
  static notFound(resource: string, id: string, revision?: number) {
    const what = revision === undefined ? `${resource} ${id}` : `Revision ${revision} of ${resource} ${id}`;
    return new StrataError('NOT_FOUND', `${what} does not exist`);
  }
  static gone(resource: string, id: string) { return new StrataError('GONE', `${resource} ${id} has been deleted`); }
  static conflict(message: string) { return new StrataError('CONFLICT', message); }
  static unique(resource: string, field: string) {
    return new StrataError('UNIQUE_VIOLATION', `Another ${resource} already has this ${field}`, [
      { path: field, message: `${field} must be unique`, constraint: 'unique' },
    ]);
  }
  static forbidden(message: string, errors?: ErrorDetail[]) { return new StrataError('FORBIDDEN', message, errors); }
  static preconditionFailed(message: string) { return new StrataError('PRECONDITION_FAILED', message); }
  static internal() { return new StrataError('INTERNAL', 'Internal error'); }
}

/** Most `errors` a client is sent; the rest are counted in `moreErrors`. */
export const MAX_LISTED_ERRORS = 50;
const MAX_DETAIL_LENGTH = 2000;

/**
 * What a client is told of an error, bounded however much input failed: the message (at most
 * 2,000 characters), the first 50 details and how many more there were.
 */
export function clientFacts(error: StrataError): { detail: string; errors: ErrorDetail[]; moreErrors?: number } {
  const detail = error.message.length > MAX_DETAIL_LENGTH ? `${error.message.slice(0, MAX_DETAIL_LENGTH)}…` : error.message;
  if (error.errors.length <= MAX_LISTED_ERRORS) return { detail, errors: error.errors };
  return { detail, errors: error.errors.slice(0, MAX_LISTED_ERRORS), moreErrors: error.errors.length - MAX_LISTED_ERRORS };
}

/** True when `value` is a StrataError (also across module copies). */
export function isStrataError(value: unknown): value is StrataError {
  return value instanceof StrataError || (value instanceof Error && (value as { name?: string }).name === 'StrataError');
}

/** `error` with `prefix` put before each detail's path (`[2]` + `email` → `[2].email`); other errors unchanged. */
export function prefixErrorPaths(error: unknown, prefix: string): unknown {
  if (isStrataError(error) && error.errors.length > 0) {
    return new StrataError(error.code, error.message, error.errors.map((detail) => ({ ...detail, path: `${prefix}.${detail.path}`.replace(/\.$/, '') })), { headers: error.headers });
  }
  return error;
}

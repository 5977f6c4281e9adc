import type { Request, Response } from 'express';
import { clientFacts, ERROR_CODES, isStrataError, StrataError, type ErrorCode } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { sendText } from './send.js';

/** RFC 9457 problem details as Strata sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors: { path: string; message: string; constraint?: string }[];
  /** How many problems were left out of `errors` (present only when it lists the first 50). */
  moreErrors?: number;
}

/** The `type` URI of a code: a stable URN clients can switch on (the `code` member says the same). */
export function problemType(code: ErrorCode): string {
  return `urn:strata:error:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Turns anything thrown into a StrataError; unknown errors become INTERNAL (and are logged by the caller). */
export function toStrataError(error: unknown): StrataError {
  if (isStrataError(error)) return error;
  const bodyError = error as { type?: string; status?: number; expose?: boolean } | undefined;
  switch (bodyError?.type) {
    case 'entity.too.large': return new StrataError('PAYLOAD_TOO_LARGE', 'The request body is larger than the limit');
    case 'entity.parse.failed': return StrataError.badRequest('The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported': return new StrataError('UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported');
    case 'request.aborted': return StrataError.badRequest('The request was aborted');
  }
  // Express's router answers a path that is not valid percent-encoding with a URIError of status 400.
  if (error instanceof URIError) return StrataError.badRequest('The request path is not valid percent-encoded UTF-8');
  return StrataError.internal();
}

/** The problem document of an error. */
export function toProblem(error: StrataError): Problem {
  return {
    type: problemType(error.code),
    title: ERROR_CODES[error.code].title,
    status: error.status,
    code: error.code,
    ...clientFacts(error),
  };
}

/** The challenge a 401 carries when its error names none (RFC 9110: a 401 says how to authenticate). */
export const DEFAULT_CHALLENGE = 'Bearer realm="strata"';

/**
 * The response headers of a problem: the error's own (`StrataError.headers`), and for a 401
 * without a `WWW-Authenticate` of its own, `WWW-Authenticate: Bearer realm="strata"`. Every HTTP
 * transport (REST, GraphQL over HTTP and its WebSocket upgrade, `/_events`) sends these.
 */
export function problemHeaders(error: StrataError): Record<string, string> {
  const headers: Record<string, string> = { ...error.headers };
  const challenged = Object.keys(headers).some((name) => name.toLowerCase() === 'www-authenticate');
  if (error.status === 401 && !challenged) headers['WWW-Authenticate'] = DEFAULT_CHALLENGE;
  return headers;
}

/** Writes `error` as `application/problem+json`; an unexpected error is logged with the request id and hidden. */
export function sendProblem(request: Request, response: Response, error: unknown, logger: Logger): void {
  const strataError = toStrataError(error);
  if (strataError.code === 'INTERNAL') {
    logger.error('request failed', {
      requestId: response.getHeader('X-Request-Id'), method: request.method, url: request.originalUrl,
      error: error instanceof Error ? error.stack ?? error.message : String(error),
    });
  }
  if (response.headersSent) {
    response.end();
    return;
  }
  sendText(response, strataError.status, 'application/problem+json', JSON.stringify(toProblem(strataError)), problemHeaders(strataError));
}

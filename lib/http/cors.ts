import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers a browser page may send cross-origin (answered in a preflight). */
const ALLOWED_HEADERS = 'Accept, Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, Last-Event-ID, X-Api-Key, X-Request-Id';
/** Response headers a page may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed, WWW-Authenticate';
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';

/**
 * Express middleware: CORS for the origins of bootstrap's `cors.origins` (docs/operations.md). A
 * request from one of them gets `Access-Control-Allow-Origin` (that origin), `Vary: Origin` and the
 * exposed headers; its preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204.
 * Other origins get no CORS header, so browsers keep their pages from reading the answers.
 * Credentials are not allowed (Strata authenticates with headers, not cookies).
 */
export function corsMiddleware(origins: readonly string[]) {
  const allowed = new Set(origins.map((origin) => origin.replace(/\/$/, '').toLowerCase()));
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const origin = request.headers.origin;
    if (allowed.size === 0 || typeof origin !== 'string') return next();
    response.setHeader('Vary', 'Origin');
    if (!allowed.has(origin.toLowerCase())) return next();
    response.setHeader('Access-Control-Allow-Origin', origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      response.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      response.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      response.setHeader('Access-Control-Max-Age', '600');
      response.statusCode = 204;
      response.setHeader('Content-Length', '0');
      response.end();
      return;
    }
    response.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    next();
  };
}

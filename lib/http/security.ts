import type { IncomingMessage, ServerResponse } from 'node:http';
import { StrataError } from '../errors/index.js';

/** Options of the protections every Strata app gets. */
export interface SecurityOptions {
  /** Origins (`https://app.example.com`) whose pages may send writes from a browser; the app's own origin always may. */
  readonly origins: readonly string[];
}

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Pages that run scripts of their own: a strict policy, no framing. */
const PAGE_PREFIXES = ['/docs', '/graphql', '/admin'];
const PAGE_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Express middleware run before every route: `X-Content-Type-Options: nosniff` on every answer,
 * a Content-Security-Policy and `X-Frame-Options: DENY` on Strata's pages, and a 403 for a write
 * a browser sends from another site. A cross-site form or `text/plain` POST needs no CORS preflight,
 * so CORS alone would not stop it: a POST, PUT, PATCH or DELETE whose `Origin` (or, without one,
 * `Sec-Fetch-Site: cross-site`) is neither the app's own origin nor in `origins` is refused before
 * any body is read. Clients that are not browsers send neither header and are not affected.
 */
export function securityMiddleware(options: SecurityOptions, send: (request: IncomingMessage, response: ServerResponse, error: StrataError) => void) {
  const allowed = new Set(options.origins.map((origin) => origin.replace(/\/$/, '').toLowerCase()));
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    const path = (request.url ?? '/').split('?')[0];
    if (PAGE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
      response.setHeader('Content-Security-Policy', PAGE_POLICY);
      response.setHeader('X-Frame-Options', 'DENY');
    }
    if (MUTATING_METHODS.has(request.method ?? '') && isCrossSite(request, allowed)) {
      send(request, response, new StrataError('FORBIDDEN', 'Writes from another site are refused; add the page\'s origin to bootstrap\'s cors.origins to allow them'));
      return;
    }
    next();
  };
}

function isCrossSite(request: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== '') {
    const normalized = origin.toLowerCase();
    if (allowed.has(normalized)) return false;
    const host = request.headers.host?.toLowerCase();
    // Same origin: the Origin's host is the Host the request was sent to (scheme aside, which a proxy may change).
    return normalized === 'null' || !host || normalized.replace(/^[a-z][a-z0-9+.-]*:\/\//, '') !== host;
  }
  return request.headers['sec-fetch-site'] === 'cross-site';
}

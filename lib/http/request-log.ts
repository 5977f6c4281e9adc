import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

/**
 * Express middleware: one `info` line per request once it is answered (or its connection closed):
 * method, path (without the query string, which may carry tokens), status, duration in
 * milliseconds, the `X-Request-Id` and the caller's user id (`userOf`, null when anonymous or not
 * resolved). Nothing else of the request is written: no headers, no body, no query.
 */
export function requestLog(logger: Logger, userOf: (request: IncomingMessage) => string | null | undefined) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      const requestId = response.getHeader('X-Request-Id');
      logger.info('request', {
        method: request.method,
        path: (request as { originalUrl?: string }).originalUrl?.split('?')[0] ?? request.url?.split('?')[0],
        status: response.writableFinished ? response.statusCode : null,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        requestId: typeof requestId === 'string' ? requestId : null,
        userId: userOf(request) ?? null,
      });
    };
    response.once('finish', write);
    response.once('close', write);
    next();
  };
}

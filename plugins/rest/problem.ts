import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendProblem, StrataError, type Logger } from '../../lib/plugin-api.js';

const REQUEST_ID = /^[\w.:\-/+=]{1,200}$/;

/** Gives every response an `X-Request-Id`: the client's when it sent a sensible one, else a new UUID. */
export function requestIdMiddleware(): RequestHandler {
  return (request, response, next) => {
    const given = request.header('X-Request-Id');
    response.setHeader('X-Request-Id', given && REQUEST_ID.test(given) ? given : randomUUID());
    next();
  };
}

/** Express error middleware: errors raised before a Strata handler ran (body too large, …) become problems. */
export function problemErrorMiddleware(logger: Logger) {
  return (error: unknown, request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) return next(error);
    sendProblem(request, response, error, logger);
  };
}

/** Answers a request below a collection that matched no route with a problem+json 404. */
export function unmatchedRoute(logger: Logger): RequestHandler {
  return (request, response) => {
    sendProblem(request, response, new StrataError('NOT_FOUND', `There is no route ${request.method} ${request.originalUrl.split('?')[0]}`), logger);
  };
}

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Controller, Delete, Get, Patch, Post, Put, Req, Res, UseAfter, UseBefore } from 'routing-controllers';
import { parseByteSize, readRequestBody, sendProblem, type Logger, type PluginContext, type ResourceModel } from '../../lib/plugin-api.js';
import { handleOperation, planRoute } from './operation-handler.js';

const METHOD_DECORATORS = { get: Get, post: Post, put: Put, patch: Patch, delete: Delete };

/** Body limits of the REST plugin (bytes or '1mb'; decoded bytes), and the largest compression ratio. */
export interface BodyLimits {
  body: string | number;
  import: string | number;
  maxRatio: number;
}

/**
 * Builds a routing-controllers controller class for one resource from its operations in the
 * table: one method per operation, taking `(request, response)` and writing the response itself,
 * so status codes, ETag and problem+json are exact.
 */
export function buildController(model: ResourceModel, context: PluginContext, limits: BodyLimits): Function {
  const controller = { [`${model.name}Controller`]: class {} }[`${model.name}Controller`];
  const prototype = controller.prototype as Record<string, unknown>;
  const regularLimits = { limit: parseByteSize(limits.body), maxRatio: limits.maxRatio };
  const largeLimits = { limit: parseByteSize(limits.import), maxRatio: limits.maxRatio };
  const readers = {
    regular: rawBody(regularLimits, context.logger),
    large: rawBody(largeLimits, context.logger),
  };
  // POST creates, `_bulk` and job creates honour Idempotency-Key when a plugin provides `idempotency` (docs/operations.md).
  const idempotency = context.has('idempotency') ? context.require<IdempotencyGuard>('idempotency') : undefined;
  const idempotent = idempotency && {
    regular: rawBody(regularLimits, context.logger, idempotency),
    large: rawBody(largeLimits, context.logger, idempotency),
  };
  for (const definition of context.operations.of(model)) {
    const method = definition.name;
    const plan = planRoute(definition, model, context);
    prototype[method] = async function handle(request: Request, response: Response): Promise<Response> {
      try {
        return await handleOperation(plan, context, request, response);
      } catch (error) {
        sendProblem(request, response, error, context.logger);
        return response;
      }
    };
    const descriptor = Object.getOwnPropertyDescriptor(prototype, method)!;
    METHOD_DECORATORS[definition.method](definition.path === '/' ? '' : definition.path)(prototype, method, descriptor);
    const chosen = idempotent && definition.method === 'post' && definition.action === 'create' ? idempotent : readers;
    UseBefore(plan.body?.large ? chosen.large : chosen.regular)(prototype, method);
    Req()(prototype, method, 0);
    Res()(prototype, method, 1);
  }
  UseAfter(endOfRoute)(controller);
  Controller(`/${model.names.path}`)(controller);
  return controller;
}

/**
 * Ends the middleware chain once a handler has answered. routing-controllers calls `next()` after an
 * action that returns the response object, which would run the app's own middleware registered
 * after bootstrap (a catch-all 404, say) on a request that was already answered.
 */
function endOfRoute(_request: Request, response: Response, next: NextFunction): void {
  if (!response.headersSent) next();
}

/**
 * Reads the body as bytes, decoded (up to the limit in decoded bytes, else 413) without parsing it:
 * handlers check preconditions first and parse afterwards, so a stale If-Match wins over a bad body.
 */
function rawBody(limits: { limit: string | number; maxRatio: number }, logger: Logger, idempotency?: IdempotencyGuard): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    readRequestBody(request, limits).then(async (body) => {
      request.body = body;
      // A replay, or a 400, 409 or 422 about the key, is answered by the guard.
      if (idempotency && !(await idempotency.guard(request, response, body))) return;
      next();
    }).catch((error: unknown) => sendProblem(request, response, error, logger));
  };
}

/** What the REST plugin reads of the service `idempotency` (plugins meet through services). */
interface IdempotencyGuard {
  /** True: run the request; false: the guard answered it. */
  guard(request: Request, response: Response, body: Buffer): Promise<boolean>;
}

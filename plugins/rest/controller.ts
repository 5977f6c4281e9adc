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
  const readers = {
    regular: rawBody({ limit: parseByteSize(limits.body), maxRatio: limits.maxRatio }, context.logger),
    large: rawBody({ limit: parseByteSize(limits.import), maxRatio: limits.maxRatio }, context.logger),
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
    UseBefore(plan.body?.large ? readers.large : readers.regular)(prototype, method);
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
function rawBody(limits: { limit: string | number; maxRatio: number }, logger: Logger): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    readRequestBody(request, limits).then((body) => {
      request.body = body;
      next();
    }, (error: unknown) => sendProblem(request, response, error, logger));
  };
}

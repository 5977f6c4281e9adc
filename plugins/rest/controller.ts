import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { Controller, Delete, Get, Patch, Post, Put, Req, Res, UseAfter, UseBefore } from 'routing-controllers';
import { sendProblem, type Logger, type PluginContext, type ResourceModel } from '../../lib/plugin-api.js';
import { handleOperation, planRoute } from './operation-handler.js';

const METHOD_DECORATORS = { get: Get, post: Post, put: Put, patch: Patch, delete: Delete };

/** Body limits of the REST plugin (`express.raw` syntax: bytes or '1mb'). */
export interface BodyLimits {
  body: string | number;
  import: string | number;
}

/**
 * Builds a routing-controllers controller class for one resource from its operations in the
 * table: one method per operation, taking `(request, response)` and writing the response itself,
 * so status codes, ETag and problem+json are exact.
 */
export function buildController(model: ResourceModel, context: PluginContext, limits: BodyLimits): Function {
  const controller = { [`${model.name}Controller`]: class {} }[`${model.name}Controller`];
  const prototype = controller.prototype as Record<string, unknown>;
  const readers = { regular: rawBody(limits.body, context.logger), large: rawBody(limits.import, context.logger) };
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
 * Reads the body as bytes (up to the limit, else 413) without parsing it: handlers check
 * preconditions first and parse afterwards, so a stale If-Match wins over a bad body.
 */
function rawBody(limit: string | number, logger: Logger): RequestHandler {
  const reader = express.raw({ type: () => true, limit });
  return (request: Request, response: Response, next: NextFunction) => {
    reader(request, response, (error?: unknown) => (error ? sendProblem(request, response, error, logger) : next()));
  };
}

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { Controller, Delete, Get, Patch, Post, Put, Req, Res, UseAfter, UseBefore } from 'routing-controllers';
import type { Logger, PluginContext, ResourceManager, ResourceModel } from '../../lib/index.js';
import { sendProblem } from './problem.js';
import type { RouteDefinition } from './routes.js';

const METHOD_DECORATORS = { get: Get, post: Post, put: Put, patch: Patch, delete: Delete };

/** Body limits of the REST plugin (`express.raw` syntax: bytes or '1mb'). */
export interface BodyLimits {
  body: string | number;
  import: string | number;
}

/**
 * Builds a routing-controllers controller class for one resource from its route table. Methods take
 * `(request, response)` and write the response themselves, so status codes, ETag and problem+json
 * are exact. `design:paramtypes` is set on every method because routing-controllers-openapi reads it.
 */
export function buildController(model: ResourceModel, routes: readonly RouteDefinition[], context: PluginContext, limits: BodyLimits): Function {
  const controller = { [`${model.name}Controller`]: class {} }[`${model.name}Controller`];
  const prototype = controller.prototype as Record<string, unknown>;
  const manager = () => context.manager(model.target as never) as ResourceManager;
  for (const route of routes) {
    prototype[route.name] = async function handle(request: Request, response: Response): Promise<Response> {
      try {
        const user = await context.options.currentUser(request);
        return await route.handle({ request, response, manager: manager(), user, logger: context.logger });
      } catch (error) {
        sendProblem(request, response, error, context.logger);
        return response;
      }
    };
    Reflect.defineMetadata('design:paramtypes', [Object, Object], prototype, route.name);
    Reflect.defineMetadata('design:returntype', Promise, prototype, route.name);
    const descriptor = Object.getOwnPropertyDescriptor(prototype, route.name)!;
    METHOD_DECORATORS[route.method](route.path === '/' ? '' : route.path)(prototype, route.name, descriptor);
    Req()(prototype, route.name, 0);
    Res()(prototype, route.name, 1);
  }
  UseBefore(rawBody(limits, context.logger))(controller);
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
function rawBody(limits: BodyLimits, logger: Logger): RequestHandler {
  const regular = express.raw({ type: () => true, limit: limits.body });
  const imports = express.raw({ type: () => true, limit: limits.import });
  return (request: Request, response: Response, next: NextFunction) => {
    const reader = request.path.endsWith('/_import') ? imports : regular;
    reader(request, response, (error?: unknown) => (error ? sendProblem(request, response, error, logger) : next()));
  };
}

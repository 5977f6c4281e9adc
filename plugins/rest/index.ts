import type { Express } from 'express';
import { getMetadataArgsStorage, useExpressServer } from 'routing-controllers';
import { definePlugin, type StrataPlugin } from '../../lib/plugin-api.js';
import { blobUploadHandler } from './blobs.js';
import { buildController, type BodyLimits } from './controller.js';
import { problemErrorMiddleware, requestIdMiddleware, unmatchedRoute } from './problem.js';

/** Options of the REST plugin. */
export interface RestOptions {
  /** Largest request body accepted (default 1 MB); larger bodies are a 413. */
  bodyLimit?: string | number;
  /** Largest `POST /…/_import` body (default 100 MB); every other route and method has `bodyLimit`. */
  importLimit?: string | number;
  /** Most decoded bytes per byte sent for a compressed body over 1 MB decoded (default 100); beyond it a 413. */
  maxCompressionRatio?: number;
}

/**
 * The REST plugin: routing-controllers controllers on Express for every resource, one route per
 * operation of the table (docs/rest.md), each a thin translation into the operation's one call.
 * @example await bootstrap(app, { resources: [User], plugins: [restPlugin({ bodyLimit: '2mb' })] });
 */
export function restPlugin(options: RestOptions = {}): StrataPlugin {
  const limits: BodyLimits = { body: options.bodyLimit ?? '1mb', import: options.importLimit ?? '100mb', maxRatio: options.maxCompressionRatio ?? 100 };
  let controllers: Function[] = [];
  return definePlugin({
    name: 'rest',
    requires: ['http'],
    validate(context) {
      const app = context.app as Partial<Express> | null;
      if (!app || typeof app.use !== 'function' || typeof app.get !== 'function') {
        return ['bootstrap needs an Express app as its first argument to serve REST; pass express() or leave the rest plugin out'];
      }
    },
    mount(context) {
      const app = context.app as Express;
      app.set('query parser', 'extended');
      app.use(requestIdMiddleware());
      // Streamed, not read by a body parser: a blob can be far larger than any JSON body.
      if (context.models.some((model) => model.fields.some((field) => field.type.kind === 'blob'))) app.post('/_blobs', blobUploadHandler(context));
      controllers = context.models.map((model) => buildController(model, context, limits));
      useExpressServer(app, { controllers, defaultErrorHandler: false, validation: false, classTransformer: false });
      // Below a collection every path is Strata's: an unmatched one is a problem+json 404, not Express's HTML page.
      for (const model of context.models) app.use(`/${model.names.path}`, unmatchedRoute(context.logger));
      app.use(problemErrorMiddleware(context.logger));
    },
    stop() {
      forgetControllers(controllers);
      controllers = [];
    },
  });
}

/**
 * Removes generated controllers from routing-controllers' process-wide metadata once the app is
 * closed, so an app bootstrapped many times (tests, hot reload) does not accumulate them.
 */
function forgetControllers(controllers: readonly Function[]): void {
  const storage = getMetadataArgsStorage();
  const ours = (entry: { target: Function }) => controllers.includes(entry.target);
  storage.controllers = storage.controllers.filter((entry) => !ours(entry));
  storage.actions = storage.actions.filter((entry) => !ours(entry));
  storage.params = storage.params.filter((entry) => !controllers.includes((entry.object as object).constructor));
  storage.uses = storage.uses.filter((entry) => !ours(entry));
  storage.responseHandlers = storage.responseHandlers.filter((entry) => !ours(entry));
}

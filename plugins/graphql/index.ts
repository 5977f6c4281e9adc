import type { Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import { definePlugin, type EventsService, type PluginContext, type ResourceManager, type StrataPlugin } from '../../lib/plugin-api.js';
import { graphqlEndpoint } from './endpoint.js';
import { mountGraphiql } from './graphiql.js';
import { resolveGraphQLOptions, type GraphQLOptions } from './options.js';
import { buildStrataSchema } from './schema.js';
import { SubscriptionServer } from './websocket.js';

export type { GraphQLOptions } from './options.js';
export type { GraphQLContext } from './resolvers.js';

/**
 * The GraphQL plugin: a type-graphql schema generated from the models (docs/graphql.md) served
 * at `/graphql` over HTTP with graphql-http, and GraphiQL from local files when a browser opens it.
 * Every resolver makes one ResourceManager call, so validation, revisions and hooks hold as over REST.
 * When the app has the events service (eventsPlugin), each resource also gets a subscription,
 * served over the graphql-ws WebSocket protocol at the same path on every server `app.listen()`
 * starts (docs/graphql.md#subscriptions); the events plugin is optional, so it is not required.
 * @example await bootstrap(app, { resources: [User], plugins: [restPlugin(), graphqlPlugin({ maxDepth: 10 })] });
 */
export function graphqlPlugin(options: GraphQLOptions = {}): StrataPlugin {
  const settings = resolveGraphQLOptions(options);
  // Built in validate (name clashes are bootstrap problems) and served in mount; one plugin object may serve several apps.
  const schemas = new WeakMap<PluginContext, GraphQLSchema>();
  // The WebSocket side of each app with subscriptions, and how to put its app.listen back.
  const sockets = new WeakMap<PluginContext, { server: SubscriptionServer; unobserve: () => void }>();
  return definePlugin({
    name: 'graphql',
    requires: ['http'],
    validate(context) {
      const app = context.app as Partial<Express> | null;
      const problems = [...settings.problems];
      if (!app || typeof app.use !== 'function' || typeof app.get !== 'function') {
        problems.push('bootstrap needs an Express app as its first argument to serve GraphQL; pass express() or leave the graphql plugin out');
      }
      const collection = context.models.find((model) => settings.path === `/${model.names.path}` || settings.path.startsWith(`/${model.names.path}/`));
      if (collection) problems.push(`option path ${settings.path} is inside the REST routes of ${collection.name} (/${collection.names.path}); choose another path`);
      // Every plugin has configured by now, so the events plugin has provided its service if it is there;
      // the service itself is looked up when a subscription starts.
      const changes = context.has('events') ? { events: () => context.require<EventsService>('events') } : undefined;
      const built = buildStrataSchema(context.models, context.options.limits, (model) => context.manager(model.target as never) as ResourceManager, {
        operations: (model) => context.operations.of(model), logger: context.logger, changes,
      });
      if (built.schema) schemas.set(context, built.schema);
      return [...problems, ...built.problems];
    },
    mount(context) {
      const schema = schemas.get(context);
      if (!schema) {
        context.logger.info(`graphql: there are no resources, so nothing is served at ${settings.path}`);
        return;
      }
      const app = context.app as Express;
      const graphiql = settings.graphiql ? mountGraphiql(app, settings.path) : undefined;
      app.all(settings.path, graphqlEndpoint({
        schema, limits: settings.limits, introspection: settings.introspection, bodyLimit: settings.bodyLimit,
        currentUser: (request) => context.currentUser(request), logger: context.logger, graphiql,
      }));
      if (schema.getSubscriptionType()) {
        const server = new SubscriptionServer({
          schema, path: settings.path, limits: settings.limits, introspection: settings.introspection,
          currentUser: (request) => context.currentUser(request), logger: context.logger,
        }, app.request);
        sockets.set(context, { server, unobserve: server.observe(app) });
      }
    },
    async stop(context) {
      const socket = sockets.get(context);
      if (!socket) return;
      sockets.delete(context);
      socket.unobserve();
      await socket.server.close();
    },
  });
}

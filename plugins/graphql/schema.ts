import type { GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import type { EventsService, Logger, OperationDefinition, QueryLimits, ResourceManager, ResourceModel } from '../../lib/plugin-api.js';
import { NameRegistry } from './names.js';
import { ResourceTypeFactory } from './resource-types.js';
import { buildResolver } from './resolvers.js';
import { buildSubscriptionResolver, SUBSCRIPTION_TYPE_NAMES, UNUSED_PUBSUB } from './subscriptions.js';

/** The schema of a set of models (none when there are no models), or the problems that prevent it (each naming what to rename). */
export interface SchemaBuild {
  readonly schema?: GraphQLSchema;
  readonly problems: readonly string[];
}

/** What the schema is derived from besides the models and their managers. */
export interface SchemaSources {
  /**
   * The operations of a resource (the app's operation table, `context.operations.of`): those
   * GraphQL has no field of its own for become queries and mutations (docs/graphql.md).
   */
  operations(model: ResourceModel): readonly OperationDefinition[];
  /** Told (at debug level) which operations have no GraphQL field. */
  readonly logger?: Pick<Logger, 'debug'>;
  /**
   * The change feed, when the app has one (the events service): each resource then gets a
   * subscription, `<one>Changed` (docs/graphql.md#subscriptions); without it the schema has no Subscription type.
   */
  readonly changes?: ChangeSource;
}

/** Where subscriptions read changes from. */
export interface ChangeSource {
  /** The events service, read when a subscription starts (so it may be looked up after the schema is built). */
  events(): EventsService;
  /** Events held per subscription for a subscriber that reads slower than they come (default 1000). */
  readonly maxPending?: number;
}

/** Events held per subscription by default. */
export const DEFAULT_MAX_PENDING = 1000;

/**
 * Generates the type-graphql classes of every model (types, inputs, resolvers) and builds the
 * executable schema. Name clashes are returned as problems before graphql-js sees them.
 * type-graphql's own class-validator pass is off: the manager validates every write.
 * @example buildStrataSchema(context.models, context.options.limits, managerOf, { operations: (model) => context.operations.of(model) })
 */
export function buildStrataSchema(models: readonly ResourceModel[], limits: QueryLimits, manager: (model: ResourceModel) => ResourceManager, sources: SchemaSources): SchemaBuild {
  const types = new ResourceTypeFactory();
  const queryNames = new NameRegistry();
  const mutationNames = new NameRegistry();
  const subscriptionNames = new NameRegistry();
  const { changes } = sources;
  if (changes && models.length > 0) for (const name of SUBSCRIPTION_TYPE_NAMES) types.names.claim(name, 'a built-in Strata type', 'rename the resource or class');
  const resolvers = models.flatMap((model) => {
    const resourceTypes = types.resource(model);
    const resolver = buildResolver(resourceTypes, {
      limits, manager, queryNames, mutationNames,
      operations: sources.operations, resultType: (schema) => types.resultType(schema), logger: sources.logger,
    });
    if (!changes) return [resolver];
    return [resolver, buildSubscriptionResolver(resourceTypes, {
      manager, events: () => changes.events(), maxPending: changes.maxPending ?? DEFAULT_MAX_PENDING, typeNames: types.names, subscriptionNames,
    })];
  });
  const problems = [...types.names.problems, ...queryNames.problems, ...mutationNames.problems, ...subscriptionNames.problems];
  if (problems.length > 0) return { problems };
  if (resolvers.length === 0) return { problems: [] };
  return {
    schema: buildSchemaSync({ resolvers: resolvers as NonEmptyArray<Function>, validate: false, ...(changes ? { pubSub: UNUSED_PUBSUB } : {}) }),
    problems: [],
  };
}

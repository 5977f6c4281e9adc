import type { GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import type { Logger, OperationDefinition, QueryLimits, ResourceManager, ResourceModel } from '../../lib/plugin-api.js';
import { NameRegistry } from './names.js';
import { ResourceTypeFactory } from './resource-types.js';
import { buildResolver } from './resolvers.js';

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
}

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
  const resolvers = models.map((model) => buildResolver(types.resource(model), {
    limits, manager, queryNames, mutationNames,
    operations: sources.operations, resultType: (schema) => types.resultType(schema), logger: sources.logger,
  }));
  const problems = [...types.names.problems, ...queryNames.problems, ...mutationNames.problems];
  if (problems.length > 0) return { problems };
  if (resolvers.length === 0) return { problems: [] };
  return { schema: buildSchemaSync({ resolvers: resolvers as NonEmptyArray<Function>, validate: false }), problems: [] };
}

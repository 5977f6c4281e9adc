import type { GraphQLSchema } from 'graphql';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import type { ResourceManager, ResourceModel } from '../../lib/plugin-api.js';
import type { QueryLimits } from '../../lib/plugin-api.js';
import { NameRegistry } from './names.js';
import { ResourceTypeFactory } from './resource-types.js';
import { buildResolver, type JobLogReader } from './resolvers.js';

/** The schema of a set of models (none when there are no models), or the problems that prevent it (each naming what to rename). */
export interface SchemaBuild {
  readonly schema?: GraphQLSchema;
  readonly problems: readonly string[];
}

/** What the app offers the schema besides the managers. */
export interface SchemaServices {
  /** The log store of job resources (called once the app is mounted); without it job resources have no logs query. */
  readonly jobLogs?: () => JobLogReader;
}

/**
 * Generates the type-graphql classes of every model (types, inputs, resolvers) and builds the
 * executable schema. Name clashes are returned as problems before graphql-js sees them.
 * type-graphql's own class-validator pass is off: the manager validates every write.
 */
export function buildStrataSchema(models: readonly ResourceModel[], limits: QueryLimits, manager: (model: ResourceModel) => ResourceManager, services: SchemaServices = {}): SchemaBuild {
  const types = new ResourceTypeFactory({ jobLogs: services.jobLogs !== undefined });
  const queryNames = new NameRegistry();
  const mutationNames = new NameRegistry();
  const resolvers = models.map((model) => buildResolver(types.resource(model), { limits, manager, queryNames, mutationNames, jobLogs: services.jobLogs }));
  const problems = [...types.names.problems, ...queryNames.problems, ...mutationNames.problems];
  if (problems.length > 0) return { problems };
  if (resolvers.length === 0) return { problems: [] };
  return { schema: buildSchemaSync({ resolvers: resolvers as NonEmptyArray<Function>, validate: false }), problems: [] };
}

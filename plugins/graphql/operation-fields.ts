import { Int } from 'type-graphql';
import {
  operationIdOf, StrataError, type OperationDefinition, type OperationParameter, type ParameterKind, type QueryLimits, type ResourceModel,
} from '../../lib/plugin-api.js';
import { given } from './arguments.js';
import { isGraphQLName, upperFirst } from './names.js';
import type { ArgumentSpec, GraphQLContext, ResolverEnvironment, ResolverKit } from './resolvers.js';
import type { ResourceTypes } from './resource-types.js';
import { DateTimeScalar } from './scalars.js';
import type { ResultType, TypeThunk } from './shared-types.js';

/**
 * The built-in operations GraphQL serves with fields of its own shape (docs/graphql.md: `user`,
 * `users`, `createUser(input)` …, `_referrers` as the referrer page fields), or on purpose not at
 * all (`_count`, `_bulk`, `_export`, `_import`): never derived from the table.
 */
const OWN_FIELDS: ReadonlySet<string> = new Set([
  'search', 'count', 'bulkCreate', 'export', 'import', 'create', 'list', 'get', 'replace', 'patch', 'delete',
  'restore', 'revisions', 'revision', 'diff', 'switch', 'publish', 'referrers', 'revert', 'revertWindow', 'bulkPatch', 'bulkDelete', 'blob',
]);

/** An operation on one resource named by one more word: `/:id/rerun`, `/:id/logs`. */
const ONE_RESOURCE_PATH = /^\/:id\/[A-Za-z0-9_-]+$/;

/** Names of the arguments a derived field has besides the operation's parameters. */
const OWN_ARGUMENTS = ['id', 'expectedRevision', 'ifMatch'];

/** The GraphQL argument type of each parameter kind, and what `design:paramtypes` records for it. */
const ARGUMENT_TYPES: Readonly<Record<ParameterKind, { type: TypeThunk; designType: Function }>> = {
  string: { type: () => String, designType: String },
  positiveInteger: { type: () => Int, designType: Number },
  boolean: { type: () => Boolean, designType: Boolean },
  dateTime: { type: () => DateTimeScalar, designType: String },
};

/**
 * Adds a field for every operation of the resource's table that GraphQL has no field of its own
 * for (those plugins add, such as a job's `rerun` or an `archive`), in table order:
 * - a write to one resource (`POST /:id/archive`, no body, the resource as result) is the mutation
 *   `<operationId>(id, <parameters>, expectedRevision, ifMatch)` (the preconditions when the
 *   operation honours If-Match), returning the resource: `archiveArticle`;
 * - a read of one resource (`GET /:id/logs`) whose JSON result has a GraphQL type (RESULT_TYPES) is
 *   the query `<one><Name>(id, <parameters>)`: `reportLogs`.
 * Each resolves to the operation's one `invoke`, with the caller as user, as REST's route does.
 * Other shapes get no field; the logger says so at debug level.
 */
export function defineOperationFields(types: ResourceTypes, environment: ResolverEnvironment, kit: ResolverKit): void {
  const { model } = types;
  for (const definition of environment.operations(model)) {
    if (OWN_FIELDS.has(definition.name)) continue;
    const missing = defineOperationField(definition, types, environment, kit);
    if (missing) environment.logger?.debug(`graphql: operation ${definition.name} of ${model.name} has no GraphQL field: ${missing}`);
  }
}

/** Defines the field of one operation; returns why there is none when its shape has no GraphQL form. */
function defineOperationField(definition: OperationDefinition, types: ResourceTypes, environment: ResolverEnvironment, kit: ResolverKit): string | undefined {
  const { model } = types;
  if (!ONE_RESOURCE_PATH.test(definition.path)) return `its path ${definition.path} is not /:id/<word>`;
  if (definition.body) return 'it takes a body';
  const parameters = (definition.parameters?.(model, environment.limits) ?? []).filter((parameter) => !parameter.undocumented);
  const badName = parameters.find((parameter) => !isGraphQLName(parameter.name) || OWN_ARGUMENTS.includes(parameter.name));
  if (badName) return `its parameter ${badName.name} cannot be a GraphQL argument`;
  const result = definition.result(model);
  const description = definition.description?.(model) ?? definition.summary(model);
  const invoke = invokeWith(definition, model, environment, parameters);

  if (definition.mutates) {
    if (result.kind !== 'resource') return `it writes and answers ${result.kind}, not the resource`;
    const field = operationIdOf(model, definition);
    const claim = { owner: `the ${field} mutation of operation ${definition.name} of resource ${model.name}`, fix: 'rename the operation or give it another operationId' };
    const preconditions = definition.conditional === 'If-Match' ? kit.preconditions : [];
    kit.define(`${definition.name}Operation`, kit.mutation(field, () => types.object, description, claim),
      [kit.id, ...parameters.map((parameter) => argumentOf(parameter, environment.limits)), ...preconditions], invoke);
    return undefined;
  }

  if (definition.method !== 'get') return `it reads with ${definition.method.toUpperCase()}, not GET`;
  if (result.kind !== 'json') return `it answers ${result.kind}, not JSON`;
  const resultType = environment.resultType(result.schema);
  if (!resultType) return 'GraphQL has no type for its result';
  const field = `${model.names.graphql.one}${upperFirst(definition.name)}`;
  const claim = { owner: `the ${field} query of operation ${definition.name} of resource ${model.name}`, fix: 'rename the operation' };
  kit.define(`${definition.name}Operation`, kit.query(field, () => resultType.type, {
    description, ...(resultType.items ? { complexity: kit.paged } : {}),
  }, claim), [kit.id, ...parameters.map((parameter) => argumentOf(parameter, environment.limits, resultType))], invoke);
  return undefined;
}

/**
 * The resolver of a derived field: `(context, id, …parameters, expectedRevision?, ifMatch?)` →
 * the operation's `invoke`. Null arguments count as not given; a positive whole number below 1 is
 * BAD_REQUEST with REST's message (GraphQL's Int lets it through, REST's parameter reading does not).
 */
function invokeWith(definition: OperationDefinition, model: ResourceModel, environment: ResolverEnvironment, parameters: readonly OperationParameter[]) {
  return async (context: GraphQLContext, id: string, ...values: unknown[]): Promise<unknown> => {
    const read: Record<string, unknown> = given(Object.fromEntries(parameters.map((parameter, index) => [parameter.name, values[index]])));
    for (const parameter of parameters) {
      const value = read[parameter.name];
      if (parameter.kind === 'positiveInteger' && typeof value === 'number' && value < 1) {
        throw StrataError.badRequest(`${parameter.name} must be a positive whole number`);
      }
    }
    const [expectedRevision, ifMatch] = values.slice(parameters.length) as [number | null | undefined, string | null | undefined];
    return definition.invoke({
      model, manager: environment.manager(model).as(context.user), user: context.user, limits: environment.limits, id, parameters: read,
      ...given({ expectedRevision, ifMatch }),
    });
  };
}

/** The GraphQL argument of an operation parameter: nullable unless required. */
function argumentOf(parameter: OperationParameter, limits: QueryLimits, page?: ResultType): ArgumentSpec {
  const description = argumentDescription(parameter, limits, page);
  return {
    name: parameter.name, ...ARGUMENT_TYPES[parameter.kind], nullable: !parameter.required,
    ...(description === undefined ? {} : { description }),
  };
}

/**
 * What an argument says: a page's `limit` names the page's items and its bounds (`Lines per page
 * (default 20, at most 1000).`), another parameter its own description.
 */
function argumentDescription(parameter: OperationParameter, limits: QueryLimits, page?: ResultType): string | undefined {
  const schema = parameter.schema ?? {};
  if (parameter.name === 'limit' && page?.items) {
    return `${page.items} per page (default ${String(schema.default ?? limits.defaultLimit)}, at most ${String(schema.maximum ?? limits.maxLimit)}).`;
  }
  return parameter.description ?? (typeof schema.description === 'string' ? schema.description : undefined);
}

import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ComplexityEstimatorArgs } from 'graphql-query-complexity/cjs';
import {
  withArticle, type CurrentUser, type Logger, type OperationDefinition, type QueryInput, type QueryLimits, type ResourceManager, type ResourceModel,
  type ResourceView, type SchemaObject,
} from '../../lib/plugin-api.js';
import { given, plainInput, whereInput } from './arguments.js';
import type { ReferenceLoaders, RevisionLoaders } from './loaders.js';
import { upperFirst, type NameRegistry } from './names.js';
import { defineOperationFields } from './operation-fields.js';
import { defineRelationFields } from './relation-fields.js';
import { namedClass, type ResourceTypes } from './resource-types.js';
import { DateTimeScalar } from './scalars.js';
import { BulkResultType, DeletedFilter, JsonPatchOperationType, RevertPlanType, RevisionPageType, type ResultType, type TypeThunk } from './shared-types.js';

/** What every resolver gets as GraphQL context: one per request. */
export type GraphQLContext = {
  /** The caller (`context.currentUser(request)`: plugins' `authenticate` resolvers, then `options.currentUser`), passed to every manager call. */
  readonly user: CurrentUser | null;
  /** The request's `X-Request-Id`. */
  readonly requestId: string;
  readonly revisions: RevisionLoaders;
  /** Relation and referrer fields, batched per request. */
  readonly references: ReferenceLoaders;
};

/** What the generated resolvers need from the running app. */
export interface ResolverEnvironment {
  readonly limits: QueryLimits;
  /** The manager of a model (available once the app is mounted). */
  manager(model: ResourceModel): ResourceManager;
  /** The operations of a resource in the app's table: those GraphQL has no field of its own for become fields (operation-fields.ts). */
  operations(model: ResourceModel): readonly OperationDefinition[];
  /** The GraphQL type of an operation's JSON result, when there is one. */
  resultType(schema: SchemaObject | undefined): ResultType | undefined;
  /** Told (at debug level) which operations have no GraphQL field. */
  readonly logger?: Pick<Logger, 'debug'>;
  /** Root field names, claimed so two resources cannot generate the same query or mutation. */
  readonly queryNames: NameRegistry;
  readonly mutationNames: NameRegistry;
  /** Every model of the schema, for the reference fields (relation-fields.ts). */
  readonly models: readonly ResourceModel[];
  /** The generated types of a model (read inside type thunks, once every model has them). */
  typesOf(model: ResourceModel): ResourceTypes;
  /** Where clashes of generated field names are reported. */
  readonly fieldProblems: string[];
}

/** One argument of a generated resolver method. */
export interface ArgumentSpec {
  readonly name: string;
  readonly type: TypeThunk;
  /** What `design:paramtypes` records for it. */
  readonly designType: Function;
  readonly nullable?: boolean;
  readonly description?: string;
}

/**
 * The precondition arguments of a write to an existing resource, as the manager's `expectedRevision`
 * and `ifMatch` options (null means not given).
 */
type WriteArguments = {
  expectedRevision?: number | null;
  ifMatch?: string | null;
};

/** The `@Root` parameter of a generated method (the parent object, or a subscription's event). */
export const ROOT = Symbol('root');
/** One parameter of a generated method after the context: an argument, or the root. */
export type ParameterSpec = ArgumentSpec | typeof ROOT;

/** Who claims a root field name, and how to free it, for the problem a clash reports. */
interface FieldClaim {
  readonly owner: string;
  readonly fix: string;
}

/** The options of a generated query. */
interface QueryOptions {
  readonly nullable?: boolean;
  readonly description: string;
  readonly complexity?: ReturnType<typeof pagedComplexity>;
}

/** What `buildResolver` lends `defineOperationFields`. */
export interface ResolverKit {
  define(method: string, decorator: MethodDecorator, parameters: readonly ArgumentSpec[], implementation: (...args: any[]) => Promise<unknown>): void;
  query(field: string, returns: TypeThunk, options: QueryOptions, claim?: FieldClaim): MethodDecorator;
  mutation(field: string, returns: TypeThunk, description: string, claim?: FieldClaim): MethodDecorator;
  readonly id: ArgumentSpec;
  /** `expectedRevision` and `ifMatch`, in that order. */
  readonly preconditions: readonly ArgumentSpec[];
  /** The complexity of a paged field (`pagedComplexity` with the app's limits). */
  readonly paged: ReturnType<typeof pagedComplexity>;
}

/**
 * The cost of a paged field for the complexity limit: its page's cost times the number of items
 * asked for (`limit`, else the default; at most the maximum, above which the manager refuses anyway).
 */
export function pagedComplexity(limits: QueryLimits) {
  return ({ args, childComplexity }: ComplexityEstimatorArgs): number => {
    const limit = Number.isInteger(args.limit) && args.limit >= 0 ? Math.min(args.limit as number, limits.maxLimit) : limits.defaultLimit;
    return 1 + limit * childComplexity;
  };
}

/**
 * Generates the resolver class of one resource: the queries and mutations of docs/graphql.md,
 * the fields of the operations plugins add to the table (operation-fields.ts) and the `revisions`
 * field. Each resolver turns its arguments into exactly one manager call (or operation `invoke`);
 * the rules (validation, revisions, hooks, permissions) live in the manager.
 */
export function buildResolver(types: ResourceTypes, environment: ResolverEnvironment): Function {
  const { model } = types;
  const names = model.names.graphql;
  const resolver = namedClass(`${names.type}Resolver`);
  // Every call runs as the request's caller, so permission hooks check it.
  const manager = (context: GraphQLContext) => environment.manager(model).as(context.user);
  const drafts = model.versioning.drafts;
  const id: ArgumentSpec = { name: 'id', type: () => ID, designType: String };
  // The preconditions of every write to an existing resource, in this order: `(…, revision, ifMatch)`.
  const preconditions: ArgumentSpec[] = [{
    name: 'expectedRevision', type: () => Int, designType: Number, nullable: true,
    description: 'Fail with PRECONDITION_FAILED unless the current revision has this number.',
  }, {
    name: 'ifMatch', type: () => String, designType: String, nullable: true,
    description: 'Fail with PRECONDITION_FAILED unless the current _meta.etag is among these entity tags, as in an If-Match header (strong comparison: * matches any, a weak tag never does).',
  }];
  const draft: ArgumentSpec[] = drafts
    ? [{ name: 'draft', type: () => Boolean, designType: Boolean, nullable: true, description: 'Write a draft revision (or change the current draft).' }]
    : [];
  const renameResource = 'rename a resource with @Resource({ name })';
  const query = (field: string, returns: TypeThunk, options: QueryOptions, claim?: FieldClaim) => {
    environment.queryNames.claim(field, claim?.owner ?? `the ${field} query of resource ${model.name}`, claim?.fix ?? renameResource);
    return Query(returns, { name: field, ...options });
  };
  const mutation = (field: string, returns: TypeThunk, description: string, claim?: FieldClaim) => {
    environment.mutationNames.claim(field, claim?.owner ?? `the ${field} mutation of resource ${model.name}`, claim?.fix ?? renameResource);
    return Mutation(returns, { name: field, description });
  };
  const define = (method: string, decorator: MethodDecorator, parameters: readonly ParameterSpec[], implementation: (...args: any[]) => Promise<unknown>) => {
    defineMethod(resolver, method, decorator, parameters, implementation);
  };
  const writeOptions = (context: GraphQLContext, options: WriteArguments & { draft?: boolean | null; runAt?: string | null }) =>
    ({ user: context.user, ...given(options) });
  // A job is scheduled with runAt on create (jobs cannot have drafts, but the arguments are named, not positional).
  const createOptions: ArgumentSpec[] = [...draft, ...(model.job
    ? [{ name: 'runAt', type: () => DateTimeScalar, designType: String, nullable: true, description: 'When the job is due (an ISO-8601 date-time, e.g. 2030-01-01T09:00:00Z); default now.' }]
    : [])];

  const asOf: ArgumentSpec = { name: 'asOf', type: () => DateTimeScalar, designType: String, nullable: true, description: 'As it was at this moment (docs/history.md).' };
  define('one', query(names.one, () => types.object, { nullable: true, description: `${upperFirst(withArticle(model.name))} by id: its current revision, revision \`revision\`, or as it was at \`asOf\`.` }),
    [id, { name: 'revision', type: () => Int, designType: Number, nullable: true, description: 'Read this revision instead of the current one.' }, asOf],
    (context: GraphQLContext, resourceId: string, revision: number | null, at: string | null) => manager(context).get(resourceId, { user: context.user, ...given({ revision, asOf: at }) }));

  define('many', query(names.many, () => types.page, {
    description: `Lists and searches ${model.name} resources (the query of REST GET /${model.names.path}).`,
    complexity: pagedComplexity(environment.limits),
  }), [
    { name: 'where', type: () => types.where, designType: Object, nullable: true },
    { name: 'sort', type: () => [types.sort], designType: Array, nullable: true, description: 'Sort keys in order; the default is creation order.' },
    { name: 'limit', type: () => Int, designType: Number, nullable: true, description: `Items per page (default ${environment.limits.defaultLimit}, at most ${environment.limits.maxLimit}).` },
    { name: 'offset', type: () => Int, designType: Number, nullable: true },
    { name: 'cursor', type: () => String, designType: String, nullable: true, description: 'nextCursor of the previous page (not with offset).' },
    { name: 'q', type: () => String, designType: String, nullable: true, description: 'Full-text search over the @Indexed({ text: true }) fields.' },
    { name: 'deleted', type: () => DeletedFilter, designType: String, nullable: true },
    { name: 'total', type: () => Boolean, designType: Boolean, nullable: true, description: 'Count every match into total.' },
    asOf,
  ], (context: GraphQLContext, where: unknown, sort: string[] | null, limit: number | null, offset: number | null, cursor: string | null,
    q: string | null, deleted: string | null, total: boolean | null, at: string | null) => {
    const search: QueryInput = { ...given({ sort, limit, offset, cursor, q, deleted, total, asOf: at }), ...given({ where: whereInput(where) }) };
    return manager(context).list(search, { user: context.user });
  });

  define('diff', query(`${names.one}Diff`, () => [JsonPatchOperationType], { description: `The JSON Patch (RFC 6902) that turns revision \`from\` of ${withArticle(model.name)} into revision \`to\`.` }),
    [id, { name: 'from', type: () => Int, designType: Number }, { name: 'to', type: () => Int, designType: Number }],
    (context: GraphQLContext, resourceId: string, from: number, to: number) => manager(context).diff(resourceId, from, to, { user: context.user }));

  define('create', mutation(`create${names.type}`, () => types.object,
    model.job ? `Creates ${withArticle(model.name)} job (revision 1) and queues it, in one transaction.` : `Creates ${withArticle(model.name)} (revision 1).`),
  [{ name: 'input', type: () => types.input, designType: Object }, ...createOptions],
  (context: GraphQLContext, input: unknown, ...values: unknown[]) => {
    const options = Object.fromEntries(createOptions.map((option, index) => [option.name, values[index]]));
    return manager(context).create(plainInput(input) as Record<string, unknown>, writeOptions(context, options));
  });

  define('update', mutation(`update${names.type}`, () => types.object, `Replaces the data of ${withArticle(model.name)}: a new revision.`),
    [id, { name: 'input', type: () => types.input, designType: Object }, ...preconditions, ...draft],
    (context: GraphQLContext, resourceId: string, input: unknown, revision: number | null, ifMatch: string | null, isDraft?: boolean | null) =>
      manager(context).update(resourceId, plainInput(input) as Record<string, unknown>, writeOptions(context, { expectedRevision: revision, ifMatch, draft: isDraft })));

  define('patch', mutation(`patch${names.type}`, () => types.object, `Changes some fields of ${withArticle(model.name)} (JSON merge patch): a new revision.`),
    [id, { name: 'patch', type: () => types.patch, designType: Object }, ...preconditions, ...draft],
    (context: GraphQLContext, resourceId: string, patch: unknown, revision: number | null, ifMatch: string | null, isDraft?: boolean | null) =>
      manager(context).patch(resourceId, plainInput(patch), { ...writeOptions(context, { expectedRevision: revision, ifMatch, draft: isDraft }), format: 'merge-patch' }));

  define('delete', mutation(`delete${names.type}`, () => Boolean, `Soft-deletes ${withArticle(model.name)}: it leaves reads and search and keeps its history. Returns true.`),
    [id, ...preconditions],
    async (context: GraphQLContext, resourceId: string, revision: number | null, ifMatch: string | null) => {
      await manager(context).delete(resourceId, writeOptions(context, { expectedRevision: revision, ifMatch }));
      return true;
    });

  define('purge', mutation(`purge${names.type}`, () => Boolean, `Deletes ${withArticle(model.name)} and all its revisions for good. Returns true.`),
    [id, ...preconditions],
    async (context: GraphQLContext, resourceId: string, revision: number | null, ifMatch: string | null) => {
      await manager(context).purge(resourceId, writeOptions(context, { expectedRevision: revision, ifMatch }));
      return true;
    });

  define('restore', mutation(`restore${names.type}`, () => types.object, `Undoes the soft delete of ${withArticle(model.name)}.`),
    [id, ...preconditions],
    (context: GraphQLContext, resourceId: string, revision: number | null, ifMatch: string | null) => manager(context).restore(resourceId, writeOptions(context, { expectedRevision: revision, ifMatch })));

  define('switch', mutation(`switch${names.type}`, () => types.object, `Makes revision \`revision\` of ${withArticle(model.name)} current without writing one.`),
    [id, { name: 'revision', type: () => Int, designType: Number }, ...preconditions],
    (context: GraphQLContext, resourceId: string, n: number, revision: number | null, ifMatch: string | null) => manager(context).switch(resourceId, n, writeOptions(context, { expectedRevision: revision, ifMatch })));

  define('revert', mutation(`revert${names.type}`, () => types.object, `Writes a new revision of ${withArticle(model.name)} whose data equals revision \`revision\` (history stays linear, unlike switch).`),
    [id, { name: 'revision', type: () => Int, designType: Number }, ...preconditions, ...draft],
    (context: GraphQLContext, resourceId: string, n: number, revision: number | null, ifMatch: string | null, isDraft?: boolean | null) =>
      manager(context).revert(resourceId, n, writeOptions(context, { expectedRevision: revision, ifMatch, draft: isDraft })));

  const many = upperFirst(names.many);
  define('revertWindow', mutation(`revert${many}Window`, () => RevertPlanType, `Undoes the changes made to ${model.name} resources between since and until (by one user, to resources matching where), in one transaction; dryRun only plans.`),
    [
      { name: 'since', type: () => DateTimeScalar, designType: String },
      { name: 'until', type: () => DateTimeScalar, designType: String, nullable: true },
      { name: 'by', type: () => String, designType: String, nullable: true, description: 'Undo only the changes of this user id.' },
      { name: 'where', type: () => types.where, designType: Object, nullable: true, description: 'Only resources whose current state matches.' },
      { name: 'dryRun', type: () => Boolean, designType: Boolean, nullable: true, description: 'Return the plan and write nothing.' },
    ],
    (context: GraphQLContext, since: string, until: string | null, by: string | null, where: unknown, dryRun: boolean | null) =>
      manager(context).revertWindow({ since, ...given({ until, by, dryRun }), ...given({ where: whereInput(where) }) }, { user: context.user }));

  define('patchMany', mutation(`patch${many}`, () => BulkResultType, `Applies one merge patch to every ${model.name} matching where (at most 10,000), in one transaction.`),
    [{ name: 'where', type: () => types.where, designType: Object }, { name: 'patch', type: () => types.patch, designType: Object }, ...draft],
    (context: GraphQLContext, where: unknown, patch: unknown, isDraft?: boolean | null) =>
      manager(context).patchMany(whereInput(where) ?? {}, plainInput(patch), writeOptions(context, { draft: isDraft })));

  define('deleteMany', mutation(`delete${many}`, () => BulkResultType, `Soft-deletes every ${model.name} matching where (at most 10,000), in one transaction.`),
    [{ name: 'where', type: () => types.where, designType: Object }],
    (context: GraphQLContext, where: unknown) => manager(context).deleteMany(whereInput(where) ?? {}, { user: context.user }));

  if (drafts) {
    define('publish', mutation(`publish${names.type}`, () => types.object, `Makes the current draft of ${withArticle(model.name)} stable.`),
      [id, ...preconditions],
      (context: GraphQLContext, resourceId: string, revision: number | null, ifMatch: string | null) => manager(context).publish(resourceId, writeOptions(context, { expectedRevision: revision, ifMatch })));
  }

  defineOperationFields(types, environment, { define, query, mutation, id, preconditions, paged: pagedComplexity(environment.limits) });

  define('revisions', FieldResolver(() => RevisionPageType, { complexity: pagedComplexity(environment.limits), description: 'The revision history, oldest first.' }), [
    ROOT,
    { name: 'limit', type: () => Int, designType: Number, nullable: true, description: `Revisions per page (default ${environment.limits.defaultLimit}).` },
    { name: 'cursor', type: () => String, designType: String, nullable: true, description: 'nextCursor of the previous page.' },
  ], (context: GraphQLContext, root: ResourceView, limit: number | null, cursor: string | null) =>
    context.revisions.load(manager(context), root.id, limit ?? undefined, cursor ?? undefined));

  defineRelationFields(types, environment, { define, paged: pagedComplexity(environment.limits) });

  Resolver(() => types.object)(resolver);
  return resolver;
}

/**
 * Adds `method` to the resolver class with its type-graphql decorators: the operation, `@Ctx` first
 * (so a missing optional argument such as `draft` cannot shift it), then `@Root` where asked and one
 * `@Arg` per argument with an explicit type, plus the `design:paramtypes` type-graphql expects.
 */
export function defineMethod(resolver: Function, method: string, decorator: MethodDecorator, parameters: readonly ParameterSpec[], implementation: (...args: any[]) => Promise<unknown>): void {
  const prototype = resolver.prototype as object;
  Object.defineProperty(prototype, method, { value: implementation, writable: true, configurable: true });
  Reflect.defineMetadata('design:paramtypes', [Object, ...parameters.map((parameter) => parameter === ROOT ? Object : parameter.designType)], prototype, method);
  Reflect.defineMetadata('design:returntype', Promise, prototype, method);
  Ctx()(prototype, method, 0);
  parameters.forEach((parameter, index) => {
    if (parameter === ROOT) Root()(prototype, method, index + 1);
    else Arg(parameter.name, parameter.type, { nullable: parameter.nullable, description: parameter.description })(prototype, method, index + 1);
  });
  decorator(prototype, method, Object.getOwnPropertyDescriptor(prototype, method)!);
}

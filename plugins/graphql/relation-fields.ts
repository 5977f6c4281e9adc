import { FieldResolver, Int } from 'type-graphql';
import type { FieldModel, QueryInput, ResourceModel, ResourceView } from '../../lib/plugin-api.js';
import { given, whereInput } from './arguments.js';
import { upperFirst } from './names.js';
import type { ResourceTypes } from './resource-types.js';
import { ROOT, type GraphQLContext, type ParameterSpec, type ResolverEnvironment, type ResolverKit } from './resolvers.js';

/** What `buildResolver` lends: its `define` (which takes `ROOT`) and the paged complexity. */
interface RelationKit {
  define(method: string, decorator: MethodDecorator, parameters: readonly ParameterSpec[], implementation: (...args: any[]) => Promise<unknown>): void;
  readonly paged: ResolverKit['paged'];
}

/** Names a resource type already has besides its model fields. */
const RESERVED_FIELDS = ['id', '_meta', '_job', 'revisions'];

/** One `@Ref` field somewhere in the app that points at a resource. */
interface Referrer {
  readonly model: ResourceModel;
  readonly field: FieldModel;
}

/**
 * The reference fields of one resource type (docs/graphql.md#references): for each `@Ref` field
 * `authorId`, `author: Author` (the name without `Id`, else `authorIdRef`), and for each `@Ref` field
 * of any resource pointing here, a page field `articles(where, sort, limit, cursor): ArticlePage!`
 * (`articlesByAuthorId` when two fields of one resource point here). Both are batched per request
 * (`context.references`) and read as the caller; the complexity limit counts a page field like a list.
 */
export function defineRelationFields(types: ResourceTypes, environment: ResolverEnvironment, kit: RelationKit): void {
  const { model } = types;
  const taken = new Set([...RESERVED_FIELDS, ...model.fields.map((field) => field.name)]);
  const claim = (name: string, what: string, fix: string): boolean => {
    if (taken.has(name)) {
      environment.fieldProblems.push(`${model.name}: the GraphQL field ${name} for ${what} is already a field of ${model.names.graphql.type}; ${fix}`);
      return false;
    }
    taken.add(name);
    return true;
  };

  for (const field of model.fields.filter((candidate) => candidate.ref)) {
    const target = environment.models.find((candidate) => candidate.target === field.ref!.target)!;
    const stripped = /^.+Id$/.test(field.name) ? field.name.slice(0, -2) : undefined;
    const name = stripped !== undefined && !taken.has(stripped) ? stripped : `${field.name}Ref`;
    if (!claim(name, `the reference ${field.name}`, 'rename the property')) continue;
    kit.define(`relation_${field.name}`, FieldResolver(() => environment.typesOf(target).object, {
      name, nullable: true,
      description: `The ${target.name} that ${field.name} names, as you may read it; null when there is none, or it is deleted or out of your scope.`,
    }), [ROOT], async (context: GraphQLContext, root: ResourceView) => {
      const id = root[field.name];
      return typeof id === 'string' ? context.references.target(environment.manager(target).as(context.user), id) : null;
    });
  }

  const referrers: Referrer[] = environment.models.flatMap((candidate) =>
    candidate.fields.filter((field) => field.ref?.target === model.target).map((field) => ({ model: candidate, field })));
  for (const { model: referring, field } of referrers) {
    const many = referring.names.graphql.many;
    const shared = referrers.filter((other) => other.model === referring).length > 1;
    const name = shared ? `${many}By${upperFirst(field.name)}` : many;
    if (!claim(name, `the ${referring.name} resources whose ${field.name} names it`, `rename the property, or ${referring.name} with @Resource({ name })`)) continue;
    const referringTypes = () => environment.typesOf(referring);
    kit.define(`referrers_${referring.name}_${field.name}`, FieldResolver(() => referringTypes().page, {
      name, complexity: kit.paged,
      description: `The ${referring.name} resources whose ${field.name} names this ${model.name}, as you may list them (default creation order).`,
    }), [
      ROOT,
      { name: 'where', type: () => referringTypes().where, designType: Object, nullable: true },
      { name: 'sort', type: () => [referringTypes().sort], designType: Array, nullable: true, description: 'Sort keys in order; the default is creation order.' },
      { name: 'limit', type: () => Int, designType: Number, nullable: true, description: `Items per page (default ${environment.limits.defaultLimit}, at most ${environment.limits.maxLimit}).` },
      { name: 'cursor', type: () => String, designType: String, nullable: true, description: 'nextCursor of the previous page.' },
    ], (context: GraphQLContext, root: ResourceView, where: unknown, sort: string[] | null, limit: number | null, cursor: string | null) => {
      const query: QueryInput = { ...given({ sort, limit, cursor }), ...given({ where: whereInput(where) }) };
      return context.references.referring(environment.manager(referring).as(context.user), field.name, root.id, query);
    });
  }
}

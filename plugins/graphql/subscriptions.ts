import { Field, Int, ObjectType, registerEnumType, Resolver, Subscription, type PubSub } from 'type-graphql';
import {
  CHANGE_TYPES, StrataError, withArticle, type ChangeType, type CurrentUser, type EventsService, type ResourceManager, type ResourceModel, type StrataEvent,
} from '../../lib/plugin-api.js';
import { whereInput } from './arguments.js';
import { ChangeFeed, type ChangeFeedItem } from './change-feed.js';
import type { NameRegistry } from './names.js';
import { namedClass, type ResourceTypes } from './resource-types.js';
import { defineMethod, ROOT, type GraphQLContext } from './resolvers.js';
import { DateTimeScalar } from './scalars.js';

/** `created` → `CREATED`, `job.succeeded` → `JOB_SUCCEEDED`: the GraphQL name of a change type. */
export function changeTypeName(type: ChangeType): string {
  return type.toUpperCase().replace(/\./g, '_');
}

/** `ChangeType`, valued with the event types, so `types` arguments arrive as the events service names them. */
export const ChangeTypeEnum: Readonly<Record<string, ChangeType>> = Object.fromEntries(CHANGE_TYPES.map((type) => [changeTypeName(type), type]));
registerEnumType(ChangeTypeEnum, { name: 'ChangeType', description: 'What a change did: the type of its event (docs/events.md), upper-cased with . as _.' });

/** The type names subscriptions add to a schema (claimed only by a schema that has them). */
export const SUBSCRIPTION_TYPE_NAMES = ['ChangeType'] as const;

/**
 * type-graphql refuses to build a schema with subscriptions unless it has a PubSub, even when every
 * subscription brings its own `subscribe` (as Strata's do, from the events service); this one is never used.
 */
export const UNUSED_PUBSUB: PubSub = {
  publish() {
    throw new Error('Strata subscriptions read the events service; nothing publishes to a type-graphql PubSub');
  },
  subscribe() {
    throw new Error('Strata subscriptions read the events service; nothing subscribes to a type-graphql PubSub');
  },
};

/** What the subscriptions of a schema need from the running app. */
export interface SubscriptionEnvironment {
  /** The manager of a model (available once the app is mounted). */
  manager(model: ResourceModel): ResourceManager;
  /** The events service, read when a subscription starts. */
  events(): EventsService;
  /** Events held per subscription for a subscriber that reads slower than they come. */
  readonly maxPending: number;
  /** The schema's type names, and its Subscription field names, each claimed by what defines it. */
  readonly typeNames: NameRegistry;
  readonly subscriptionNames: NameRegistry;
}

/** The fields of `<Type>Change` besides the resource itself, which cannot share their names. */
const CHANGE_FIELDS = ['type', 'revision', 'at', 'by'];

/**
 * Generates the subscription of one resource, `articleChanged(where: ArticleWhere, types:
 * [ChangeType!]): ArticleChange!`, and its `ArticleChange { type, revision, at, by, article }`.
 * Each subscription is a ChangeFeed over the events service; `where` is decided for each event by
 * the manager's own search (`list` with the subscriber's user, on the resource as stored, deleted
 * ones included), so a subscription sees what a `list` by the same caller would.
 */
export function buildSubscriptionResolver(types: ResourceTypes, environment: SubscriptionEnvironment): Function {
  const { model } = types;
  const names = model.names.graphql;
  const owner = `resource ${model.name}`;
  const rename = 'rename it with @Resource({ name }) or rename the class';
  const changeName = `${names.type}Change`;
  environment.typeNames.claim(changeName, owner, rename);
  if (CHANGE_FIELDS.includes(names.one)) {
    environment.typeNames.problems.push(`${owner}: the field "${names.one}" of ${changeName} would clash with its ${CHANGE_FIELDS.join(', ')} fields; ${rename}`);
  }
  const field = `${names.one}Changed`;
  environment.subscriptionNames.claim(field, `the ${field} subscription of ${owner}`, rename);

  const change = namedClass(changeName);
  Field(() => ChangeTypeEnum, { description: 'What the change did.' })(change.prototype, 'type');
  Field(() => Int, { nullable: true, description: 'The current revision after the change; null once purged.' })(change.prototype, 'revision');
  Field(() => DateTimeScalar, { description: 'When the change committed.' })(change.prototype, 'at');
  Field(() => String, { nullable: true, description: 'Id of the user who made it; null for anonymous or system writes.' })(change.prototype, 'by');
  Field(() => types.object, { nullable: true, description: `The ${model.name} after the change; null once purged.` })(change.prototype, names.one);
  ObjectType(changeName, { simpleResolvers: true, description: `A committed change of ${withArticle(model.name)}.` })(change);

  /** The page of the search `where` AND the id, as `user` may list it: empty when the resource does not match. */
  const search = (where: Record<string, unknown> | undefined, id: string, user: CurrentUser | null) => {
    const isThis = { id: { eq: id } };
    return environment.manager(model).as(user).list({ where: where ? { and: [where, isThis] } : isThis, deleted: 'include', limit: 1, fields: ['id'] });
  };

  // Per subscription context: the fields its caller may not see.
  const hidden = new WeakMap<GraphQLContext, ReadonlySet<string>>();
  const subscribe = async ({ args, context }: { args: Record<string, unknown>; context: GraphQLContext }): Promise<ChangeFeed> => {
    const where = whereInput(args.where);
    const wanted = args.types as ChangeType[] | null | undefined;
    if (wanted && wanted.length === 0) throw StrataError.badQuery('types lists no change type; name at least one, or leave types out for every type');
    // Run once now (on an id no resource has), so a where the search refuses or a caller who may not list fails at once, not at the first change.
    await search(where, '', context.user);
    // What the caller may not see (permission hooks): masked fields, and whether some resources are out of their sight.
    const access = await environment.manager(model).as(context.user).accessFor('list');
    hidden.set(context, new Set(access.hiddenFields));
    return new ChangeFeed({
      bus: environment.events(),
      resource: model.names.path,
      types: wanted ? new Set(wanted) : undefined,
      maxPending: environment.maxPending,
      // A purged resource has no state left to test, so it passes only a subscription without where by a caller who sees every resource.
      accepts: async (event: StrataEvent) => event.data === null
        ? where === undefined && access.visible.length === 0
        : (await search(where, event.resourceId, context.user)).items.length > 0,
    });
  };

  const resolver = namedClass(`${names.type}SubscriptionResolver`);
  defineMethod(resolver, 'changed', Subscription(() => change, {
    name: field,
    subscribe,
    description: `Changes of ${model.name} resources, after they commit (graphql-ws over WebSocket): one per event of the change log, with the ${model.name} after the change.`,
  }), [
    ROOT,
    { name: 'where', type: () => types.where, designType: Object, nullable: true, description: `Only changes after which the ${model.name} matches this search (deleted ones included; a purge never matches).` },
    { name: 'types', type: () => [ChangeTypeEnum], designType: Array, nullable: true, description: 'Only changes of these types (default: every type).' },
  ], async (_context: GraphQLContext, item: ChangeFeedItem) => {
    if ('error' in item) throw item.error;
    const { event } = item;
    const masked = hidden.get(_context);
    const data = event.data && masked && masked.size > 0 ? Object.fromEntries(Object.entries(event.data).filter(([key]) => !masked.has(key))) : event.data;
    return { type: event.type, revision: event.revision, at: event.at, by: event.by, [names.one]: data };
  });
  Resolver()(resolver);
  return resolver;
}

import { isStrataError, type CurrentUser, type PluginContext, type ResourceModel, type StrataEvent } from '../../lib/plugin-api.js';

/** Shows a batch of events as one caller may see them: each event, masked, or undefined when it is not theirs to see. */
export type EventViewer = (events: readonly StrataEvent[]) => Promise<(StrataEvent | undefined)[]>;

/** Ids tested per search (the query language takes at most 500 values in a list). */
const CHUNK = 500;

interface ResourceSight {
  /** The caller may not list this resource: none of its events are shown. */
  readonly denied: boolean;
  readonly hidden: ReadonlySet<string>;
  /** Some resources are out of the caller's sight: each event's resource is tested. */
  readonly scoped: boolean;
}

/**
 * The change feed as `user` may see it, by the same rules as a `list` of each resource
 * (docs/permissions.md): events of resources they may not list are left out, an event whose
 * resource is now outside their scope is left out (its current state is tested, in one query per
 * resource per batch), a purge is shown only to callers who see every resource of its kind, and
 * hidden fields are removed from `data`. Without permission hooks every event passes unchanged.
 */
export function eventViewer(context: PluginContext, user: CurrentUser | null): EventViewer {
  const byPath = new Map<string, ResourceModel>(context.models.map((model) => [model.names.path, model]));
  const sights = new Map<string, Promise<ResourceSight>>();
  const sightOf = (model: ResourceModel) => {
    let sight = sights.get(model.names.path);
    if (!sight) {
      sight = context.manager(model.target as never).as(user).accessFor('list').then(
        (access) => ({ denied: false, hidden: new Set(access.hiddenFields), scoped: access.visible.length > 0 }),
        (error: unknown) => {
          if (isStrataError(error) && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) return { denied: true, hidden: new Set<string>(), scoped: false };
          throw error;
        });
      sights.set(model.names.path, sight);
    }
    return sight;
  };
  return async (events) => {
    const visibleIds = new Map<string, Promise<ReadonlySet<string>>>();
    const idsInSight = (model: ResourceModel) => {
      let ids = visibleIds.get(model.names.path);
      if (!ids) {
        const wanted = [...new Set(events.filter((event) => event.resource === model.names.path && event.data).map((event) => event.resourceId))];
        const manager = context.manager(model.target as never).as(user);
        ids = (async () => {
          const seen = new Set<string>();
          for (let start = 0; start < wanted.length; start += CHUNK) {
            const chunk = wanted.slice(start, start + CHUNK);
            const page = await manager.list({ where: { id: { in: chunk } }, deleted: 'include', limit: chunk.length, fields: ['id'] });
            for (const item of page.items) seen.add(item.id);
          }
          return seen;
        })();
        visibleIds.set(model.names.path, ids);
      }
      return ids;
    };
    return Promise.all(events.map(async (event) => {
      const model = byPath.get(event.resource);
      if (!model) return event;
      const sight = await sightOf(model);
      if (sight.denied) return undefined;
      if (sight.scoped && (!event.data || !(await idsInSight(model)).has(event.resourceId))) return undefined;
      if (sight.hidden.size === 0 || !event.data) return event;
      return { ...event, data: Object.fromEntries(Object.entries(event.data).filter(([key]) => !sight.hidden.has(key))) as StrataEvent['data'] };
    }));
  };
}

import DataLoader from 'dataloader';
import { isStrataError, type CurrentUser, type Page, type QueryInput, type ResourceManager, type ResourceView, type RevisionEntry } from '../../lib/plugin-api.js';

/**
 * Per-request batching of revision lists: every `revisions` field resolved in the same tick (one
 * per item of a list) joins one `manager.revisionsOfMany` call, so a page of 100 resources costs
 * the same few queries as a page of one. One DataLoader per resource and (limit, cursor) pair.
 * The loaders batch but do not cache: the mutations of one request run one after the other, and a
 * `revisions` read after a later one must see the revisions it wrote.
 */
export class RevisionLoaders {
  private readonly loaders = new Map<string, DataLoader<string, Page<RevisionEntry>>>();

  constructor(private readonly user: CurrentUser | null) {}

  /** The revision page of `id` (see `ResourceManager.revisions`); fails with the error that call would throw. */
  load(manager: ResourceManager, id: string, limit: number | undefined, cursor: string | undefined): Promise<Page<RevisionEntry>> {
    const key = JSON.stringify([manager.model.name, limit ?? null, cursor ?? null]);
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids: readonly string[]) => {
        const settled = await manager.revisionsOfMany(ids, { user: this.user, limit, cursor });
        return settled.map((result) => result.status === 'fulfilled' ? result.value : asError(result.reason));
      }, { cache: false });
      this.loaders.set(key, loader);
    }
    return loader.load(id);
  }
}

/**
 * Per-request batching of references (docs/graphql.md#references): every relation field
 * (`article { author }`) resolved in the same tick joins one `manager.findMany` per target resource,
 * and every referrer page field (`author { articles(…) }`) one `manager.listByReference` per
 * referring resource, field and arguments, so a page of 100 costs the queries of a page of one.
 * The managers run as the caller: a target they may not read is null, referrers they may not list
 * are left out (a resource they may not list at all gives null targets and empty pages). Like
 * RevisionLoaders, they batch but do not cache, so a read after a mutation sees what it wrote.
 */
export class ReferenceLoaders {
  private readonly targets = new Map<string, DataLoader<string, ResourceView | null>>();
  private readonly referrers = new Map<string, DataLoader<string, Page<ResourceView>>>();

  constructor(private readonly user: CurrentUser | null) {}

  /** The resource `id` of `manager`'s model as the caller may read it, or null. */
  target(manager: ResourceManager, id: string): Promise<ResourceView | null> {
    let loader = this.targets.get(manager.model.name);
    if (!loader) {
      loader = new DataLoader(async (ids: readonly string[]) => {
        const found = await refusedAs(manager.findMany(ids, { user: this.user }), new Map<string, ResourceView>());
        return ids.map((wanted) => found.get(wanted) ?? null);
      }, { cache: false });
      this.targets.set(manager.model.name, loader);
    }
    return loader.load(id);
  }

  /** The page of `manager`'s resources whose `field` names `id`, for `query` (see `ResourceManager.listByReference`). */
  referring(manager: ResourceManager, field: string, id: string, query: QueryInput): Promise<Page<ResourceView>> {
    const key = JSON.stringify([manager.model.name, field, query]);
    let loader = this.referrers.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids: readonly string[]) => {
        const pages = await refusedAs(manager.listByReference(field, ids, query, { user: this.user }), new Map<string, Page<ResourceView>>());
        return ids.map((wanted) => pages.get(wanted) ?? { items: [], nextCursor: null });
      }, { cache: false });
      this.referrers.set(key, loader);
    }
    return loader.load(id);
  }
}

/** What `work` gives, or `fallback` when the caller is refused (not signed in, or not allowed to list). */
async function refusedAs<T>(work: Promise<T>, fallback: T): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isStrataError(error) && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) return fallback;
    throw error;
  }
}

/** DataLoader takes failures as Error instances. */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

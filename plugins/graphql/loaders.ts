import DataLoader from 'dataloader';
import type { CurrentUser, Page, ResourceManager, RevisionEntry } from '../../lib/plugin-api.js';

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

/** DataLoader takes failures as Error instances. */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

import type { ResourceModel } from '../metadata/model.js';
import type { Database } from '../storage/database.js';
import type { ResourceStore } from '../storage/resource-store.js';
import { upgrade } from './state.js';

/**
 * Recomputes the field columns of resources stored at an older schema version from their upgraded
 * data, so search sees what reads return. Bootstrap runs it; no revision is touched. Returns how
 * many resources were re-indexed.
 */
export async function reindexStale(model: ResourceModel, store: ResourceStore, database: Database, batchSize = 500): Promise<number> {
  if (model.versioning.schemaVersion === 1) return 0; // nothing can be older
  let after = '';
  let count = 0;
  for (;;) {
    const stale = await store.staleIndexRows(after, batchSize);
    if (stale.length === 0) return count;
    await database.transaction(async () => {
      for (const state of stale) await store.reindex(state.id, upgrade(model, state.data, state.schemaVersion));
    });
    count += stale.length;
    after = stale[stale.length - 1].id;
  }
}

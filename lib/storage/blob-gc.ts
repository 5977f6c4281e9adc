import type { ResourceModel } from '../metadata/model.js';
import type { BlobStore } from './blob-store.js';
import type { Database } from './database.js';
import { REVISIONS_TABLE } from './schema.js';

/** What `strata blobs gc` did. */
export interface BlobGcResult {
  /** Blobs some revision still names, kept. */
  referenced: number;
  /** Unreferenced blobs younger than the grace period, kept. */
  young: number;
  /** Hashes of the blobs removed. */
  removed: string[];
}

/** The default grace period: a blob uploaded in the last 24 hours is kept even if nothing names it yet. */
export const DEFAULT_BLOB_GRACE_MS = 24 * 60 * 60 * 1000;

const REVISIONS_PER_PAGE = 1000;

/**
 * Removes the blobs no revision (current or old, of any resource, deleted resources included)
 * names any more and that were stored more than `graceMs` ago, so an upload whose resource is not
 * written yet survives. Reads revisions a page at a time; holds only the set of named hashes.
 */
export async function collectBlobGarbage(database: Database, models: readonly ResourceModel[], store: BlobStore, graceMs = DEFAULT_BLOB_GRACE_MS): Promise<BlobGcResult> {
  const named = new Set<string>();
  for (const model of models) {
    const fields = model.fields.filter((field) => field.type.kind === 'blob').map((field) => field.name);
    if (fields.length === 0) continue;
    let after = { id: '', n: 0 };
    for (;;) {
      const rows = await database.all(
        `SELECT "id", "n", "data" FROM "${REVISIONS_TABLE}" WHERE "resource" = ? AND ("id" > ? OR ("id" = ? AND "n" > ?)) ORDER BY "id", "n" LIMIT ?`,
        [model.name, after.id, after.id, after.n, REVISIONS_PER_PAGE]);
      for (const row of rows) {
        const data = database.dialect.parseJson(row.data);
        for (const field of fields) {
          const hash = (data[field] as { hash?: unknown } | null | undefined)?.hash;
          if (typeof hash === 'string') named.add(hash);
        }
      }
      if (rows.length < REVISIONS_PER_PAGE) break;
      const last = rows[rows.length - 1];
      after = { id: String(last.id), n: Number(last.n) };
    }
  }
  const result: BlobGcResult = { referenced: 0, young: 0, removed: [] };
  const cutoff = Date.now() - graceMs;
  for await (const blob of store.list()) {
    if (named.has(blob.hash)) result.referenced += 1;
    else if (blob.storedAt.getTime() > cutoff) result.young += 1;
    else {
      await store.delete(blob.hash);
      result.removed.push(blob.hash);
    }
  }
  return result;
}

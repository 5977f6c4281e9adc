import { StrataError } from '../errors/index.js';
import type { ResourceModel } from '../metadata/model.js';
import type { ResourceStore } from '../storage/resource-store.js';
import type { StoredRevision, StoredState } from '../storage/rows.js';
import { contentHash } from './hash.js';
import { upgrade } from './state.js';
import { rejectForbiddenKeys } from './validate.js';

/** One line of `_export`: a resource's current state and every revision it still has. */
export interface ExportRecord {
  id: string;
  _meta: Omit<StoredState, 'id' | 'data' | 'version'>;
  revisions: Omit<StoredRevision, 'id'>[];
}

/** Every resource (deleted ones too) in creation order, one record at a time, read in pages. */
/** What an export leaves out for its caller: resources outside `visible` (given a page of ids, the visible ones) and masked fields. */
export interface ExportFilter {
  visible?(ids: string[]): Promise<ReadonlySet<string>>;
  mask?(data: Record<string, unknown>): Record<string, unknown>;
}

export async function* exportRecords(store: ResourceStore, filter: ExportFilter = {}, pageSize = 200): AsyncGenerator<ExportRecord> {
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const states = await store.pageAll(after, pageSize);
    const visible = filter.visible && await filter.visible(states.map((state) => state.id));
    for (const state of states) {
      if (visible && !visible.has(state.id)) continue;
      const revisions = await store.allRevisions(state.id);
      const { id, data: _data, version: _version, ...meta } = state;
      const mask = filter.mask;
      yield { id, _meta: meta, revisions: revisions.map(({ id: _id, ...revision }) => (mask ? { ...revision, data: mask(revision.data) } : revision)) };
    }
    if (states.length < pageSize) return;
    const last = states[states.length - 1];
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/**
 * Checks one imported record and turns it into rows: every revision's hash must match its data,
 * the current revision must be among them, and nothing may hold a forbidden key.
 */
export function recordToRows(model: ResourceModel, record: unknown, line: number): { state: StoredState; revisions: StoredRevision[]; indexData: Record<string, unknown> } {
  const fail = (message: string) => StrataError.validation([{ path: `[${line}]`, message: `record ${line}: ${message}`, constraint: 'import' }]);
  rejectForbiddenKeys(record);
  const { id, _meta: meta, revisions } = (record ?? {}) as Partial<ExportRecord>;
  if (typeof id !== 'string' || id === '' || !meta || typeof meta !== 'object' || !Array.isArray(revisions) || revisions.length === 0) {
    throw fail('expected { id, _meta, revisions: [...] } as _export writes it');
  }
  const stored: StoredRevision[] = revisions.map((revision) => {
    if (!revision || !Number.isInteger(revision.n) || revision.n < 1 || !revision.data || typeof revision.data !== 'object') throw fail('every revision needs a number n and data');
    if (revision.hash !== contentHash(revision.data)) throw fail(`revision ${revision.n} does not match its hash`);
    if (revision.status !== 'stable' && revision.status !== 'draft') throw fail(`revision ${revision.n} has an unknown status`);
    return { ...revision, id, parent: revision.parent ?? null, schemaVersion: revision.schemaVersion ?? 1, createdBy: revision.createdBy ?? null };
  });
  const current = stored.find((revision) => revision.n === meta.revision);
  if (!current) throw fail(`its current revision ${String(meta.revision)} is not among its revisions`);
  if (new Set(stored.map((revision) => revision.n)).size !== stored.length) throw fail('revision numbers repeat');
  const state: StoredState = {
    id, revision: current.n, revisionCount: Math.max(meta.revisionCount ?? 0, ...stored.map((revision) => revision.n)),
    status: current.status, hash: current.hash, schemaVersion: current.schemaVersion, version: 1,
    deletedAt: meta.deletedAt ?? null, deletedBy: meta.deletedBy ?? null,
    createdAt: String(meta.createdAt ?? current.createdAt), createdBy: meta.createdBy ?? null,
    updatedAt: String(meta.updatedAt ?? current.createdAt), updatedBy: meta.updatedBy ?? null, data: current.data,
  };
  return { state, revisions: stored, indexData: upgrade(model, current.data, current.schemaVersion) };
}

import { StrataError } from '../errors/index.js';
import type { ResourceModel } from '../metadata/model.js';
import type { RevisionEntry } from '../metadata/views.js';
import type { ResourceStore } from '../storage/resource-store.js';
import type { StoredRevision } from '../storage/rows.js';
import { toRevisionEntry } from './state.js';

/** A page of revision-list entries. */
export interface RevisionPage {
  items: RevisionEntry[];
  nextCursor: string | null;
}

/** No stored id holds U+0000, and PostgreSQL refuses it in a query: such an id (or a non-string) names nothing. */
export function isStorableId(id: unknown): id is string {
  return typeof id === 'string' && !id.includes('\u0000');
}

/** The opaque cursor of a revision list: the last revision number seen. */
export function encodeRevisionCursor(n: number): string {
  return Buffer.from(`r:${n}`).toString('base64url');
}

/** The revision number a revision-list cursor points after; BAD_QUERY when it is not one. */
export function decodeRevisionCursor(cursor: string): number {
  const match = /^r:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw StrataError.badQuery('cursor is not a revision-list cursor; pass nextCursor from the previous page');
  return Number(match[1]);
}

/** A revision-list page from up to `limit + 1` stored revisions (one more than fits tells that a next page exists). */
export function revisionPage(model: ResourceModel, revisions: readonly StoredRevision[], limit: number): RevisionPage {
  const items = revisions.slice(0, limit).map((revision) => toRevisionEntry(model, revision, false));
  return { items, nextCursor: revisions.length > limit ? encodeRevisionCursor(items[items.length - 1].revision) : null };
}

/**
 * The first revision page of each of `ids` (after revision `after`), read in two queries however
 * many ids there are; an unknown id maps to NOT_FOUND and a deleted one to GONE.
 */
export async function loadRevisionPages(model: ResourceModel, store: ResourceStore, ids: readonly string[], limit: number, after: number): Promise<Map<string, RevisionPage | StrataError>> {
  const deletedAt = await store.deletedAtOf([...new Set(ids.filter(isStorableId))]);
  const live = [...deletedAt.keys()].filter((id) => deletedAt.get(id) === null);
  const revisions = live.length > 0 ? await store.listRevisionsOfMany(live, after, limit + 1) : new Map<string, StoredRevision[]>();
  const pages = new Map<string, RevisionPage | StrataError>();
  for (const id of ids) {
    if (!deletedAt.has(id)) pages.set(id, StrataError.notFound(model.name, String(id)));
    else if (deletedAt.get(id) !== null) pages.set(id, StrataError.gone(model.name, id));
    else pages.set(id, revisionPage(model, revisions.get(id) ?? [], limit));
  }
  return pages;
}

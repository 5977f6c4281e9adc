import type { ResourceModel } from '../metadata/model.js';
import type { ResourceMeta, ResourceView, RevisionEntry } from '../metadata/views.js';
import type { StoredRevision, StoredState } from '../storage/rows.js';
import { jobStateOf, withJobState, withoutJobState } from './job-state.js';

/** The strong ETag of a current state; it changes whenever the row changes. */
export function etagOf(state: Pick<StoredState, 'revision' | 'version' | 'hash'>): string {
  return `"${state.revision}.${state.version}.${state.hash.slice(7, 23)}"`;
}

/** The ETag of one immutable revision (used when a client reads `?revision=n`). */
export function revisionEtag(revision: Pick<StoredRevision, 'n' | 'hash'>): string {
  return `"r${revision.n}.${revision.hash.slice(7, 23)}"`;
}

/** Applies the model's migrations to data written at `fromVersion` (lazy upgrade on read). */
export function upgrade(model: ResourceModel, data: Record<string, unknown>, fromVersion: number): Record<string, unknown> {
  if (fromVersion >= model.versioning.schemaVersion) return data;
  // Migrations see what users wrote: a job's `_job` is Strata's, kept as it is.
  let upgraded = withoutJobState(data);
  for (let version = fromVersion + 1; version <= model.versioning.schemaVersion; version++) {
    upgraded = model.versioning.migrations[version]({ ...upgraded });
  }
  return withJobState(upgraded, jobStateOf(data));
}

/** `data` with keys in model order (PostgreSQL's jsonb does not keep key order), then any others a migration added. */
export function inModelOrder(model: ResourceModel, data: Record<string, unknown>): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const field of model.fields) if (Object.hasOwn(data, field.name)) ordered[field.name] = data[field.name];
  for (const [key, value] of Object.entries(data)) if (!Object.hasOwn(ordered, key)) ordered[key] = value;
  return ordered;
}

/** The client view of a current state, with old data upgraded to the current schema. */
export function toView(model: ResourceModel, state: StoredState, fields?: readonly string[]): ResourceView {
  const data = upgrade(model, state.data, state.schemaVersion);
  const view: Record<string, unknown> = { id: state.id };
  // `_job`, like `_meta`, is always returned, whatever `fields` asks for.
  for (const [key, value] of Object.entries(inModelOrder(model, data))) if (!fields || fields.includes(key) || key === '_job') view[key] = value;
  view._meta = {
    revision: state.revision,
    revisionId: `${state.id}:${state.revision}`,
    revisionCount: state.revisionCount,
    etag: etagOf(state),
    status: state.status,
    deleted: state.deletedAt !== null,
    schemaVersion: state.schemaVersion,
    createdAt: state.createdAt,
    createdBy: state.createdBy,
    updatedAt: state.updatedAt,
    updatedBy: state.updatedBy,
  } satisfies ResourceMeta;
  return view as ResourceView;
}

/** A revision as a list entry, or with its (upgraded) data. */
export function toRevisionEntry(model: ResourceModel, revision: StoredRevision, withData: boolean): RevisionEntry {
  const entry: RevisionEntry = {
    revision: revision.n,
    revisionId: `${revision.id}:${revision.n}`,
    parent: revision.parent,
    status: revision.status,
    hash: revision.hash,
    schemaVersion: revision.schemaVersion,
    createdAt: revision.createdAt,
    createdBy: revision.createdBy,
  };
  if (withData) entry.data = inModelOrder(model, upgrade(model, revision.data, revision.schemaVersion));
  return entry;
}

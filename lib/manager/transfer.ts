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
 * The id grammar: what the default UUIDv7 generator makes and what `_import` accepts. 1–200
 * characters of letters, digits and `-._~`, not beginning with `_` or `.` (system routes under a
 * collection begin with `_`; `.` and `..` are path segments of their own).
 */
export const ID_PATTERN = /^[A-Za-z0-9~-][A-Za-z0-9._~-]{0,199}$/;

/** The largest revision number (and revisionCount) a record may carry: the integer column holds 2^31-1, and writes add one. */
export const MAX_REVISION_NUMBER = 2_000_000_000;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const RECORD_KEYS = new Set(['id', '_meta', 'revisions']);
const META_KEYS = new Set(['revision', 'revisionCount', 'status', 'hash', 'schemaVersion', 'deletedAt', 'deletedBy', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy']);
const REVISION_KEYS = new Set(['n', 'parent', 'status', 'hash', 'schemaVersion', 'data', 'createdAt', 'createdBy']);

/**
 * Checks one imported record as strictly as the writes it stands for and turns it into rows: the
 * id in the id grammar; revision numbers whole and in range, unique, with revision 1 the only root
 * and every other parent an earlier revision (so the history is a tree; without `retain` every
 * number from 1 to `revisionCount` is there); statuses the model allows (drafts only with
 * `@Versioned({ drafts: true })`); schema versions the model knows; timestamps in ISO-8601;
 * `createdBy`-style fields a user id or null; every hash matching its data; and no unknown or
 * forbidden key. `line` is the NDJSON line, named in every problem.
 */
export function recordToRows(model: ResourceModel, record: unknown, line: number): { state: StoredState; revisions: StoredRevision[]; indexData: Record<string, unknown> } {
  const fail = (message: string) => StrataError.validation([{ path: `[${line}]`, message: `line ${line}: ${message}`, constraint: 'import' }]);
  rejectForbiddenKeys(record);
  if (!isObject(record)) throw fail('expected { id, _meta, revisions: [...] } as _export writes it');
  const { id, _meta: meta, revisions } = record as Partial<ExportRecord>;
  if (!isObject(meta) || !Array.isArray(revisions) || revisions.length === 0) throw fail('expected { id, _meta, revisions: [...] } as _export writes it');
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw fail('id must be 1–200 letters, digits or -._~, not beginning with _ or . (docs/rest.md#export-and-import)');
  unknownKeys(record, RECORD_KEYS, 'the record', fail);
  unknownKeys(meta, META_KEYS, '_meta', fail);
  const drafts = Boolean(model.versioning.drafts);
  const status = (value: unknown, where: string) => {
    if (value === 'stable' || (value === 'draft' && drafts)) return value;
    throw fail(`${where} status must be ${drafts ? 'stable or draft' : `stable (${model.name} keeps no drafts)`}`);
  };
  const schemaVersion = (value: unknown, where: string) => {
    if (value === undefined) return 1;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > model.versioning.schemaVersion) {
      throw fail(`${where} schemaVersion must be a whole number from 1 to ${model.versioning.schemaVersion}`);
    }
    return value as number;
  };
  const stored: StoredRevision[] = revisions.map((revision: unknown, index) => {
    if (!isObject(revision)) throw fail(`revisions[${index}] must be an object`);
    unknownKeys(revision, REVISION_KEYS, `revisions[${index}]`, fail);
    const { n, parent, data, hash, createdAt, createdBy } = revision as Partial<StoredRevision>;
    if (!revisionNumber(n)) throw fail(`revisions[${index}].n must be a whole number from 1 to ${MAX_REVISION_NUMBER}`);
    const where = `revision ${n}`;
    if (n === 1 ? parent !== null && parent !== undefined : !revisionNumber(parent) || parent >= n) {
      throw fail(`${where} has parent ${JSON.stringify(parent)}; revision 1 has none and every other revision's parent is an earlier revision`);
    }
    if (!isObject(data)) throw fail(`${where} needs its data as an object`);
    if (hash !== contentHash(data)) throw fail(`${where} does not match its hash`);
    return {
      id, n, parent: n === 1 ? null : parent as number, status: status(revision.status, where), hash,
      schemaVersion: schemaVersion(revision.schemaVersion, where), data,
      createdAt: timestamp(createdAt, `${where} createdAt`, fail), createdBy: userIdOf(createdBy, `${where} createdBy`, fail),
    };
  });
  const numbers = new Set(stored.map((revision) => revision.n));
  if (numbers.size !== stored.length) throw fail('revision numbers repeat');
  const highest = Math.max(...numbers);
  const revisionCount = meta.revisionCount ?? highest;
  if (revisionCount !== highest) throw fail(`_meta.revisionCount is ${JSON.stringify(meta.revisionCount)} but the highest revision is ${highest}`);
  if (model.versioning.retain === undefined && numbers.size !== highest) {
    throw fail(`revisions 1 to ${highest} must all be there (${model.name} keeps every revision)`);
  }
  const current = stored.find((revision) => revision.n === meta.revision);
  if (!current) throw fail(`its current revision ${JSON.stringify(meta.revision)} is not among its revisions`);
  if (meta.status !== undefined && meta.status !== current.status) throw fail(`_meta.status ${JSON.stringify(meta.status)} is not the status of revision ${current.n}`);
  const deletedAt = meta.deletedAt === null || meta.deletedAt === undefined ? null : timestamp(meta.deletedAt, '_meta.deletedAt', fail);
  const state: StoredState = {
    id, revision: current.n, revisionCount,
    status: current.status, hash: current.hash, schemaVersion: current.schemaVersion, version: 1,
    deletedAt, deletedBy: deletedAt === null ? null : userIdOf(meta.deletedBy, '_meta.deletedBy', fail),
    createdAt: meta.createdAt === undefined ? current.createdAt : timestamp(meta.createdAt, '_meta.createdAt', fail),
    createdBy: userIdOf(meta.createdBy, '_meta.createdBy', fail),
    updatedAt: meta.updatedAt === undefined ? current.createdAt : timestamp(meta.updatedAt, '_meta.updatedAt', fail),
    updatedBy: userIdOf(meta.updatedBy, '_meta.updatedBy', fail), data: current.data,
  };
  return { state, revisions: stored, indexData: upgrade(model, current.data, current.schemaVersion) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function revisionNumber(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_REVISION_NUMBER;
}

function unknownKeys(value: Record<string, unknown>, known: ReadonlySet<string>, where: string, fail: (message: string) => Error): void {
  const unknown = Object.keys(value).filter((key) => !known.has(key));
  if (unknown.length > 0) throw fail(`${where} has unknown member(s) ${unknown.slice(0, 5).map((key) => JSON.stringify(key.slice(0, 50))).join(', ')}`);
}

/** An ISO-8601 date-time that parses, as given. */
function timestamp(value: unknown, where: string, fail: (message: string) => Error): string {
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value) || !Number.isFinite(Date.parse(value))) {
    throw fail(`${where} must be an ISO-8601 date-time such as 2026-01-31T12:00:00.000Z`);
  }
  return value;
}

/** A user id as `currentUser` gives them (1–200 characters, no control characters), or null. */
function userIdOf(value: unknown, where: string, fail: (message: string) => Error): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw fail(`${where} must be a user id (1–200 characters) or null`);
  }
  return value;
}

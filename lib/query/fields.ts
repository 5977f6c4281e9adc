import type { IndexNormalization } from '../metadata/normalize.js';
import { fieldTypeOf } from '../metadata/field-type-registry.js';
import type { ResourceModel } from '../metadata/model.js';
import { SYSTEM_COLUMNS } from '../storage/schema.js';

/**
 * The kinds a filterable column can hold: enum, or a scalar kind with an `index` in the field-type
 * registry (these are the built-in ones; a registered kind is another name at run time).
 */
export type QueryableKind = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'enum';

/** One field that filters and sorts may name, mapped to the current-state column that holds it. */
export interface QueryableField {
  /** Public name, e.g. `age` or `_meta.createdAt`. */
  readonly name: string;
  /** Column of the current-state table, e.g. `age` or `_created_at`. */
  readonly column: string;
  readonly kind: QueryableKind;
  /** The allowed values of an enum field. */
  readonly values?: readonly (string | number)[];
  /** The column is NOT NULL, so keyset paging needs no NULL cases for it. */
  readonly neverNull?: boolean;
  /** The column holds values normalized so (`@Indexed({ normalize })`); filter values are normalized alike. */
  readonly normalize?: IndexNormalization;
}

/** The `_meta.*` fields every resource can be filtered and sorted by. */
const META_FIELDS: readonly QueryableField[] = Object.freeze([
  { name: '_meta.createdAt', column: SYSTEM_COLUMNS.createdAt, kind: 'date', neverNull: true },
  { name: '_meta.updatedAt', column: SYSTEM_COLUMNS.updatedAt, kind: 'date', neverNull: true },
  { name: '_meta.createdBy', column: SYSTEM_COLUMNS.createdBy, kind: 'string' },
  { name: '_meta.updatedBy', column: SYSTEM_COLUMNS.updatedBy, kind: 'string' },
  { name: '_meta.status', column: SYSTEM_COLUMNS.status, kind: 'enum', values: ['stable', 'draft'], neverNull: true },
]);

const NO_EXTRA_FIELDS: readonly QueryableField[] = Object.freeze([]);
const cache = new WeakMap<ResourceModel, { extraFields: readonly QueryableField[]; fields: ReadonlyMap<string, QueryableField> }>();

/**
 * The allow-list of a model: `id`, every `@Indexed` field and the `_meta.*` fields, plus
 * `extraFields` (e.g. a jobs plugin's `_job.status`). Anything not in it cannot be filtered or sorted.
 * Cached per model (and per `extraFields` array, so pass the same array each time).
 * @example queryableFields(model).get('age') // { name: 'age', column: 'age', kind: 'integer' }
 */
export function queryableFields(model: ResourceModel, extraFields: readonly QueryableField[] = NO_EXTRA_FIELDS): ReadonlyMap<string, QueryableField> {
  const cached = cache.get(model);
  if (cached && cached.extraFields === extraFields) return cached.fields;
  const fields = new Map<string, QueryableField>();
  const add = (field: QueryableField) => fields.set(field.name, Object.freeze({ ...field }));
  add({ name: 'id', column: 'id', kind: 'string', neverNull: true });
  for (const field of model.indexedFields) {
    const type = field.type;
    if (type.kind === 'enum') add({ name: field.name, column: field.column!, kind: 'enum', values: type.values });
    else add({ name: field.name, column: field.column!, kind: type.kind as QueryableKind, ...(field.normalize ? { normalize: field.normalize } : {}) });
  }
  for (const field of META_FIELDS) add(field);
  for (const field of extraFields) add(field);
  cache.set(model, { extraFields, fields });
  return fields;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Coerces a filter value to the kind of `field`: query strings give `'18'`, JSON bodies `18`.
 * Dates become `toISOString()` form, as stored. Returns the problem, phrased for the user, otherwise.
 * @example coerceValue({ name: 'age', column: 'age', kind: 'integer' }, '18') // { value: 18 }
 */
export function coerceValue(field: QueryableField, value: unknown): { value: string | number | boolean } | { problem: string } {
  // No stored value can hold U+0000 (validation refuses it; PostgreSQL cannot), so it is a bad query, not a driver error.
  if (typeof value === 'string' && value.includes('\u0000')) return { problem: `${field.name} values cannot contain the NUL character (U+0000)` };
  if (field.kind === 'enum') {
    const values = field.values ?? [];
    // Query strings carry numeric enum values as text.
    const candidate = typeof value === 'string' && NUMBER.test(value) && !values.includes(value) ? Number(value) : value;
    const allowed = values.find((item) => item === candidate);
    return allowed !== undefined ? { value: allowed } : { problem: `${field.name} takes one of ${values.join(', ')}, got ${quote(value)}` };
  }
  const index = fieldTypeOf(field.kind)!.index!;
  const coerced = index.coerce(value);
  return coerced !== undefined ? { value: coerced } : { problem: `${field.name} takes ${index.expected}, got ${quote(value)}` };
}

/** The items of a list given as an array or a comma-separated string (`''` is the empty list); undefined otherwise. */
export function listItems(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value === '' ? [] : value.split(',');
  return undefined;
}

/** A user-supplied value for an error message: JSON, cut short. */
export function quote(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

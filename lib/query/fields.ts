import type { ResourceModel } from '../metadata/model.js';
import { SYSTEM_COLUMNS } from '../storage/schema.js';

/** The kinds a filterable column can hold. */
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
    else add({ name: field.name, column: field.column!, kind: type.kind as QueryableKind });
  }
  for (const field of META_FIELDS) add(field);
  for (const field of extraFields) add(field);
  cache.set(model, { extraFields, fields });
  return fields;
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const ARTICLES: Record<QueryableKind, string> = {
  string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', date: 'an ISO-8601 date', enum: 'one of',
};

/**
 * Coerces a filter value to the kind of `field`: query strings give `'18'`, JSON bodies `18`.
 * Dates become `toISOString()` form, as stored. Returns the problem, phrased for the user, otherwise.
 * @example coerceValue({ name: 'age', column: 'age', kind: 'integer' }, '18') // { value: 18 }
 */
export function coerceValue(field: QueryableField, value: unknown): { value: string | number | boolean } | { problem: string } {
  // No stored value can hold U+0000 (validation refuses it; PostgreSQL cannot), so it is a bad query, not a driver error.
  if (typeof value === 'string' && value.includes('\u0000')) return { problem: `${field.name} values cannot contain the NUL character (U+0000)` };
  const coerced = coerceByKind(field, value);
  if (coerced !== undefined) return { value: coerced };
  const expected = field.kind === 'enum' ? `one of ${(field.values ?? []).join(', ')}` : ARTICLES[field.kind];
  return { problem: `${field.name} takes ${expected}, got ${quote(value)}` };
}

function coerceByKind(field: QueryableField, value: unknown): string | number | boolean | undefined {
  switch (field.kind) {
    case 'integer': {
      const number = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
      return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
    }
    case 'number': {
      const number = typeof value === 'string' && NUMBER.test(value) ? Number(value) : value;
      return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
    }
    case 'boolean': return coerceBoolean(value);
    case 'date': return coerceDate(value);
    case 'enum': {
      const values = field.values ?? [];
      // Query strings carry numeric enum values as text.
      const candidate = typeof value === 'string' && NUMBER.test(value) && !values.includes(value) ? Number(value) : value;
      return values.find((allowed) => allowed === candidate);
    }
    default:
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      return typeof value === 'string' ? value : undefined;
  }
}

/** `true`, `false`, `'true'`, `'false'`, `'1'`, `'0'` as a boolean; anything else undefined. */
export function coerceBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  return undefined;
}

/** An ISO-8601 date or date-time (a time without offset is UTC) in `toISOString()` form. */
function coerceDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number);
  // Date would roll 2024-02-30 over to March 1st; a day that is not in the calendar is an error.
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) return undefined;
  const hasTimeWithoutOffset = (value as string).includes('T') && match[4] === undefined;
  const date = new Date(hasTimeWithoutOffset ? `${value}Z` : value as string);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
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

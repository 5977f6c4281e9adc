import type { FieldTypeDefinition, FieldValueCheck } from './field-type-definition.js';

/**
 * The scalar field types Strata ships: `string`, `number`, `integer`, `boolean`, `date` and `json`.
 * They are registered like a plugin's own (`registerFieldType`), and read through the same registry.
 */

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const NUL = 'must not contain the NUL character (U+0000)';

const fail = (problem: string, constraint: string): FieldValueCheck => ({ problem, constraint });

/** A number as PostgreSQL's driver returns bigint columns (a string), or as a number. */
function isNumericColumnValue(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value));
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

/** True when a string or key anywhere in `value` holds U+0000. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  return false;
}

const string: FieldTypeDefinition = {
  name: 'string',
  classes: [String],
  validate(value) {
    if (typeof value !== 'string') return fail('must be a string', 'isString');
    // PostgreSQL cannot store U+0000 in text or jsonb; refusing it here keeps every backend alike.
    return value.includes('\u0000') ? fail(NUL, 'noNul') : { value };
  },
  schema: { output: { type: 'string' } },
  graphql: 'String',
  index: {
    column: { sqlite: 'text', postgresql: 'text' },
    coerce: (value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value : undefined),
    expected: 'a string',
    filterSchema: { type: ['string', 'number'] },
    ordered: true,
    textMatch: true,
  },
};

const number: FieldTypeDefinition = {
  name: 'number',
  classes: [Number],
  validate: (value) => (typeof value === 'number' && Number.isFinite(value) ? { value } : fail('must be a number', 'isNumber')),
  schema: { output: { type: 'number' } },
  graphql: 'Float',
  index: {
    column: { sqlite: 'real', postgresql: 'double precision' },
    coerce(value) {
      const number = typeof value === 'string' && NUMBER.test(value) ? Number(value) : value;
      return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
    },
    expected: 'a number',
    filterSchema: { type: ['number', 'string'] },
    ordered: true,
    isColumnValue: isNumericColumnValue,
  },
};

const integer: FieldTypeDefinition = {
  name: 'integer',
  validate: (value) => (Number.isSafeInteger(value) ? { value } : fail('must be an integer', 'isInt')),
  schema: { output: { type: 'integer' } },
  graphql: 'Int',
  index: {
    column: { sqlite: 'integer', postgresql: 'bigint' },
    coerce(value) {
      const number = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
      return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
    },
    expected: 'a whole number',
    filterSchema: { type: ['integer', 'string'], pattern: '^[+-]?\\d+$' },
    ordered: true,
    isColumnValue: isNumericColumnValue,
  },
};

const boolean: FieldTypeDefinition = {
  name: 'boolean',
  classes: [Boolean],
  validate: (value) => (typeof value === 'boolean' ? { value } : fail('must be a boolean', 'isBoolean')),
  schema: { output: { type: 'boolean' } },
  graphql: 'Boolean',
  index: {
    column: { sqlite: 'integer', postgresql: 'boolean' },
    coerce: coerceBoolean,
    expected: 'true or false',
    filterSchema: { type: ['boolean', 'string'], enum: [true, false, 'true', 'false', '1', '0'] },
    // Booleans have no order.
    ordered: false,
    // SQLite stores booleans as 0 and 1.
    isColumnValue: (value) => typeof value === 'boolean' || value === 0 || value === 1,
  },
};

// Writes take an ISO-8601 date or date-time; the server stores it as a UTC date-time.
const DATE_INPUT = { type: 'string', anyOf: [{ format: 'date-time' }, { format: 'date' }] };

const date: FieldTypeDefinition = {
  name: 'date',
  classes: [Date],
  validate(value) {
    const time = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
    return Number.isNaN(time) ? fail('must be an ISO-8601 date string', 'isISO8601') : { value: new Date(time).toISOString() };
  },
  // No class-validator keywords: its date pattern is stricter than what the server accepts.
  schema: { output: { type: 'string', format: 'date-time' }, input: DATE_INPUT, withValidatorRules: false },
  graphql: 'DateTime',
  index: {
    column: { sqlite: 'text', postgresql: 'text' },
    coerce: coerceDate,
    expected: 'an ISO-8601 date',
    filterSchema: DATE_INPUT,
    ordered: true,
  },
};

// `() => Object` means JSON in @Field, but Object in design:type means "unknown" (a union or an
// interface), so json lists no class: the type resolver knows `Object` itself.
const json: FieldTypeDefinition = {
  name: 'json',
  validate: (value) => (holdsNul(value) ? fail(NUL, 'noNul') : { value }),
  schema: { output: { description: 'Any JSON value.' } },
  graphql: 'JSON',
  nullItems: true,
};

/** `sha256:` and 64 lowercase hex digits: how a blob is named (docs/blobs.md). */
export const BLOB_HASH = /^sha256:[0-9a-f]{64}$/;
const BLOB_KEYS = ['hash', 'size', 'contentType', 'filename'];

// A `@Blob()` field: the descriptor `POST /_blobs` answered; the manager checks the bytes exist.
const blob: FieldTypeDefinition = {
  name: 'blob',
  validate(value) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be a blob { hash, size, contentType, filename? } as POST /_blobs answers it', 'isBlob');
    const given = value as Record<string, unknown>;
    const extra = Object.keys(given).filter((key) => !BLOB_KEYS.includes(key));
    if (extra.length > 0) return fail(`has unknown member(s) ${extra.join(', ')}; a blob has hash, size, contentType and filename`, 'isBlob');
    if (typeof given.hash !== 'string' || !BLOB_HASH.test(given.hash)) return fail('hash must be sha256: and 64 lowercase hex digits', 'isBlob');
    if (!Number.isSafeInteger(given.size) || (given.size as number) < 0) return fail('size must be a whole number of bytes', 'isBlob');
    if (typeof given.contentType !== 'string' || given.contentType === '' || given.contentType.length > 255) return fail('contentType must be a media type', 'isBlob');
    if (given.filename !== undefined && (typeof given.filename !== 'string' || given.filename.length > 255 || holdsNul(given.filename))) return fail('filename must be a string of at most 255 characters', 'isBlob');
    return { value: { hash: given.hash, size: given.size, contentType: given.contentType, ...(given.filename !== undefined ? { filename: given.filename } : {}) } };
  },
  schema: {
    output: {
      type: 'object', description: 'A file stored with POST /_blobs; GET /<collection>/:id/<field> streams it.',
      properties: {
        hash: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, size: { type: 'integer', minimum: 0 },
        contentType: { type: 'string' }, filename: { type: 'string', maxLength: 255 },
      },
      required: ['hash', 'size', 'contentType'], additionalProperties: false,
    },
    withValidatorRules: false,
  },
  graphql: 'JSON',
};

/** The built-in scalar field types, in the order messages list them. */
export const BUILT_IN_FIELD_TYPES: readonly FieldTypeDefinition[] = [string, number, integer, boolean, date, json, blob];

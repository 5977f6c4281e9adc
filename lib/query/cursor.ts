import { createHash } from 'node:crypto';
import { StrataError } from '../errors/StrataError.js';
import { fieldTypeOf } from '../metadata/field-type-registry.js';
import type { QueryableField } from './fields.js';
import type { Condition, CursorValue, ParsedQuery, SortKey } from './parsed-query.js';

/** The parts of a query a cursor is bound to: change any of them and old cursors stop working. */
export interface CursorScope {
  readonly sort: readonly SortKey[];
  readonly where?: Condition;
  readonly q?: string;
  readonly deleted: ParsedQuery['deleted'];
}

const MAX_CURSOR_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MALFORMED = 'malformed; pass the nextCursor of a previous page unchanged';

/**
 * A short fingerprint of the sort, filter, `q` and `deleted` of a query. A cursor carries it, so a
 * cursor replayed against a different query is refused instead of returning a wrong page.
 */
export function querySignature(scope: CursorScope): string {
  const canonical = JSON.stringify({
    sort: scope.sort.map((key) => [key.field.name, key.descending]),
    where: scope.where ?? null,
    q: scope.q ?? null,
    deleted: scope.deleted,
  }, (key, value: unknown) => (key === 'field' ? (value as { name: string }).name : value));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/**
 * The opaque cursor that continues after `row`, the last row of a page. `row` is the raw
 * current-state row (columns by name), as the select of `compileQuery` returned it.
 * @example const nextCursor = hasMore ? encodeCursor(parsed, rows[parsed.limit - 1]) : undefined;
 */
export function encodeCursor(parsed: Pick<ParsedQuery, 'sort' | 'signature'>, row: Readonly<Record<string, unknown>>): string {
  const values = parsed.sort.map((key) => (row[key.field.column] ?? null) as CursorValue);
  return Buffer.from(JSON.stringify({ s: parsed.signature, k: values }), 'utf8').toString('base64url');
}

/**
 * The sort-key values a cursor holds (one per sort key, `id` last). A malformed cursor, or one made
 * for a query with another sort, filter, `q` or `deleted`, is a BAD_QUERY.
 */
export function decodeCursor(cursor: string, signature: string, sort: readonly SortKey[]): CursorValue[] {
  const payload = readPayload(cursor);
  if (!payload) throw cursorError(MALFORMED, 'cursor');
  if (payload.s !== signature) {
    throw cursorError('made for another query (its sort, filter, q or deleted differ); repeat the query of the page it came from, or start again without cursor', 'cursorScope');
  }
  const values = payload.k;
  const fits = values.length === sort.length && values.every((value, index) => fitsColumn(sort[index].field, value));
  if (!fits) throw cursorError(MALFORMED, 'cursor');
  return values;
}

function readPayload(cursor: string): { s: unknown; k: CursorValue[] } | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null || !Array.isArray((payload as { k?: unknown }).k)) return undefined;
    return payload as { s: unknown; k: CursorValue[] };
  } catch {
    return undefined;
  }
}

/** True when `value` is something the column of `field` can hold, as the driver returns it. */
function fitsColumn(field: QueryableField, value: unknown): boolean {
  if (value === null) return !field.neverNull;
  if (field.kind === 'enum') return typeof value === 'string' || typeof value === 'number';
  const isColumnValue = fieldTypeOf(field.kind)?.index?.isColumnValue;
  return isColumnValue ? isColumnValue(value) : typeof value === 'string';
}

function cursorError(message: string, constraint: string): StrataError {
  return StrataError.badQuery(`cursor: ${message}`, [{ path: 'cursor', message: `cursor: ${message}`, constraint }]);
}

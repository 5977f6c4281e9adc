// What parseQuery produces and compileQuery and cursor.ts read; kept apart from parse.ts, which uses cursor.ts, so the two do not import each other.
import type { QueryableField } from './fields.js';

/** A filter value after coercion: what `dialect.toDatabase` receives. */
export type ScalarValue = string | number | boolean;

/** A test on one field. `exists`/`isNull` carry a boolean, `in`/`nin` a list. */
export type FieldCondition = { readonly kind: 'field'; readonly field: QueryableField } & (
  | { readonly operator: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; readonly value: ScalarValue }
  | { readonly operator: 'in' | 'nin'; readonly value: readonly ScalarValue[] }
  | { readonly operator: 'contains' | 'startsWith' | 'endsWith'; readonly value: string }
  | { readonly operator: 'exists' | 'isNull'; readonly value: boolean });

/** A validated filter tree. An empty `and` is always true, an empty `or` always false. */
export type Condition =
  | FieldCondition
  | { readonly kind: 'and' | 'or'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition };

/** One key of the ORDER BY. */
export interface SortKey {
  readonly field: QueryableField;
  readonly descending: boolean;
}

/** A sort-key value as stored in a cursor: the raw column value of the last row of a page. */
export type CursorValue = string | number | boolean | null;

/** A validated query, ready for `compileQuery`. */
export interface ParsedQuery {
  readonly where?: Condition;
  /** Full-text search over the `@Indexed({ text: true })` fields. */
  readonly q?: string;
  /** ORDER BY keys; `id` is always among them, appended (in the last key's direction) when not given. */
  readonly sort: readonly SortKey[];
  /** Rows per page; the compiled select fetches `limit + 1` to tell whether another page follows. */
  readonly limit: number;
  readonly offset: number;
  /** Sort-key values of the last row of the previous page (from `cursor`), one per sort key. */
  readonly after?: readonly CursorValue[];
  /** Model fields to return besides `id` and `_meta`; undefined returns every field. */
  readonly fields?: readonly string[];
  readonly deleted: 'exclude' | 'include' | 'only';
  /** Whether to count every match. */
  readonly total: boolean;
  /** Fingerprint of sort, filter, q and deleted, stored in cursors (see `encodeCursor`). */
  readonly signature: string;
}

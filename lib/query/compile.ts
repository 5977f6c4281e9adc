import type { ResourceModel } from '../metadata/model.js';
import type { Dialect } from '../storage/dialect.js';
import { SEARCH_COLUMN, SYSTEM_COLUMNS } from '../storage/schema.js';
import type { QueryableField } from './fields.js';
import type { Condition, CursorValue, FieldCondition, ParsedQuery, SortKey } from './parsed-query.js';

/** One SQL statement with `?` placeholders and the values to bind to them, in order. */
export interface CompiledStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** The statements of one query: the page (`limit + 1` rows) and, when `total` was asked, the count. */
export interface CompiledQuery {
  readonly select: CompiledStatement;
  /** Returns one row with a `total` column (PostgreSQL returns it as a string). */
  readonly count?: CompiledStatement;
}

/**
 * What else a search may need: `partition`, one page per value of this field in one statement (the
 * referrers of many resources); `source`, a derived table with the current-state table's columns
 * to search instead of it (as-of searches).
 */
export interface CompileExtras {
  readonly partition?: QueryableField;
  readonly source?: CompiledStatement;
}

/** A piece of SQL under construction: fixed text plus the values its placeholders take. */
interface Fragment {
  sql: string;
  params: unknown[];
}

const ALWAYS: Fragment = { sql: '1 = 1', params: [] };
const NEVER: Fragment = { sql: '1 = 0', params: [] };
const COMPARISON_SQL = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * Turns a parsed query into parameterized SQL over the model's current-state table. Only column
 * names from the allow-list and fixed fragments reach the SQL text; every user value is bound.
 * The select returns whole rows (`t.*`) and fetches `limit + 1` so the caller knows whether a next
 * page exists; projection of `fields` happens after.
 * @example const { select, count } = compileQuery(model, parseQuery(model, input, limits), database.dialect);
 */
export function compileQuery(model: ResourceModel, parsed: ParsedQuery, dialect: Dialect, scope?: Condition | false, extra: CompileExtras = {}): CompiledQuery {
  const { partition, source } = extra;
  // `source`: a derived table with the current-state table's columns to search instead (as-of searches).
  const table = source ? source.sql : quoteIdentifier(model.names.table);
  const sourceParams = source?.params ?? [];
  const filters = [deletedFilter(parsed.deleted)];
  // A scope (a hook's `restrict({ visible })`) is ANDed in like a filter but kept out of the cursor signature.
  if (scope !== undefined) filters.push(scope === false ? NEVER : condition(scope, dialect));
  if (parsed.where) filters.push(condition(parsed.where, dialect));
  if (parsed.q !== undefined) filters.push(textSearch(model, parsed.q, dialect));
  const pageFilters = parsed.after ? [...filters, keysetAfter(parsed.sort, parsed.after, dialect)] : filters;
  const order = parsed.sort.map((key) => `${column(key.field)} ${key.descending ? 'DESC' : 'ASC'}`).join(', ');
  const pageWhere = whereClause(pageFilters);
  const select: CompiledStatement = partition ? partitionedSelect(table, sourceParams, pageWhere, order, partition, parsed) : {
    sql: `SELECT t.* FROM ${table} t${pageWhere.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
    params: [...sourceParams, ...pageWhere.params, parsed.limit + 1, parsed.offset],
  };
  if (!parsed.total) return { select };
  const countWhere = whereClause(filters);
  return { select, count: { sql: `SELECT COUNT(*) AS "total" FROM ${table} t${countWhere.sql}`, params: [...sourceParams, ...countWhere.params] } };
}

/**
 * One page per value of `partition` in one statement (the referrers of many resources): each
 * value's rows ranked in the query's order, `offset` skipped, `limit + 1` kept, so every page
 * knows whether another follows. Rows come grouped by the partition value, each group in order.
 */
function partitionedSelect(table: string, sourceParams: readonly unknown[], where: Fragment, order: string, partition: QueryableField, parsed: ParsedQuery): CompiledStatement {
  const ranked = `SELECT t.*, ROW_NUMBER() OVER (PARTITION BY ${column(partition)} ORDER BY ${order}) AS "strata_rank" FROM ${table} t${where.sql}`;
  return {
    sql: `SELECT t.* FROM (${ranked}) t WHERE t."strata_rank" > ? AND t."strata_rank" <= ? ORDER BY ${column(partition)}, t."strata_rank"`,
    params: [...sourceParams, ...where.params, parsed.offset, parsed.offset + parsed.limit + 1],
  };
}

/**
 * Conditions as SQL expressions over a current-state row (alias `t`), for `ResourceStore.findState`
 * and `testStates` to evaluate beside the row; `false` never holds.
 */
export function compileTests(conditions: readonly (Condition | false)[], dialect: Dialect): { expressions: string[]; params: unknown[] } {
  const fragments = conditions.map((node) => (node === false ? NEVER : condition(node, dialect)));
  return { expressions: fragments.map((fragment) => `(${fragment.sql})`), params: fragments.flatMap((fragment) => fragment.params) };
}

/** A double-quoted identifier (quotes inside doubled, though model names never hold any). */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function column(field: QueryableField): string {
  return `t.${quoteIdentifier(field.column)}`;
}

function whereClause(filters: Fragment[]): Fragment {
  const present = filters.filter((filter) => filter !== ALWAYS);
  if (present.length === 0) return { sql: '', params: [] };
  return { sql: ` WHERE ${present.map((filter) => filter.sql).join(' AND ')}`, params: present.flatMap((filter) => filter.params) };
}

function deletedFilter(deleted: ParsedQuery['deleted']): Fragment {
  const deletedAt = `t.${quoteIdentifier(SYSTEM_COLUMNS.deletedAt)}`;
  if (deleted === 'include') return ALWAYS;
  return { sql: `${deletedAt} ${deleted === 'only' ? 'IS NOT NULL' : 'IS NULL'}`, params: [] };
}

/**
 * SQL's three-valued logic is kept on purpose: a NULL column matches neither `x = 5` nor
 * `NOT (x = 5)`, so `not` never turns "unknown" into a match.
 */
function condition(node: Condition, dialect: Dialect): Fragment {
  switch (node.kind) {
    case 'field': return fieldCondition(node, dialect);
    case 'not': {
      const inner = condition(node.condition, dialect);
      return { sql: `NOT (${inner.sql})`, params: inner.params };
    }
    default: {
      if (node.conditions.length === 0) return node.kind === 'and' ? ALWAYS : NEVER;
      const parts = node.conditions.map((child) => condition(child, dialect));
      return { sql: `(${parts.map((part) => part.sql).join(node.kind === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((part) => part.params) };
    }
  }
}

function fieldCondition(node: FieldCondition, dialect: Dialect): Fragment {
  const target = column(node.field);
  const bind = (value: unknown) => dialect.toDatabase(value);
  switch (node.operator) {
    case 'eq': case 'ne': case 'gt': case 'gte': case 'lt': case 'lte':
      return { sql: `${target} ${COMPARISON_SQL[node.operator]} ?`, params: [bind(node.value)] };
    case 'in': case 'nin': {
      // An empty list: nothing is in it; everything that has a value is not in it.
      if (node.value.length === 0) return node.operator === 'in' ? NEVER : { sql: `${target} IS NOT NULL`, params: [] };
      const placeholders = node.value.map(() => '?').join(', ');
      return { sql: `${target} ${node.operator === 'in' ? 'IN' : 'NOT IN'} (${placeholders})`, params: node.value.map(bind) };
    }
    case 'contains': case 'startsWith': case 'endsWith': {
      const match = dialect.textMatch(target, node.operator, node.value);
      return { sql: match.sql, params: [...match.params] };
    }
    case 'exists': case 'isNull': {
      const wantsValue = (node.operator === 'exists') === node.value;
      return { sql: `${target} ${wantsValue ? 'IS NOT NULL' : 'IS NULL'}`, params: [] };
    }
  }
}

/**
 * Full-text search. SQLite: every whitespace-separated word becomes a quoted FTS5 string, all of
 * them required, so no FTS5 syntax typed by the user is interpreted. PostgreSQL: `plainto_tsquery`.
 */
function textSearch(model: ResourceModel, q: string, dialect: Dialect): Fragment {
  if (dialect.name === 'postgresql') {
    return { sql: `t.${quoteIdentifier(SEARCH_COLUMN)} @@ plainto_tsquery('simple', ?)`, params: [q] };
  }
  const fts = quoteIdentifier(`${model.names.table}_fts`);
  const words = q.split(/\s+/).filter((word) => word !== '').map((word) => `"${word.replaceAll('"', '""')}"`);
  return { sql: `t.rowid IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ?)`, params: [words.join(' AND ')] };
}

/**
 * Rows that come after `values` in the ORDER BY: `(k1 after v1) OR (k1 = v1 AND k2 after v2) OR …`.
 * NULLs sort where the database puts them (`dialect.nullsLargest`), so a page boundary on a NULL
 * value neither skips nor repeats rows.
 */
function keysetAfter(sort: readonly SortKey[], values: readonly CursorValue[], dialect: Dialect): Fragment {
  const alternatives: Fragment[] = [];
  const equalSoFar: Fragment[] = [];
  sort.forEach((key, index) => {
    const value = values[index];
    const after = keyAfter(key, value, dialect);
    if (after !== NEVER) {
      const parts = [...equalSoFar, after];
      alternatives.push({ sql: parts.map((part) => part.sql).join(' AND '), params: parts.flatMap((part) => part.params) });
    }
    const target = column(key.field);
    equalSoFar.push(value === null ? { sql: `${target} IS NULL`, params: [] } : { sql: `${target} = ?`, params: [dialect.toDatabase(value)] });
  });
  if (alternatives.length === 0) return NEVER;
  const keyset: Fragment = {
    sql: `(${alternatives.map((alternative) => `(${alternative.sql})`).join(' OR ')})`,
    params: alternatives.flatMap((alternative) => alternative.params),
  };
  const leading = leadingBound(sort[0], values[0], dialect);
  return leading ? { sql: `${leading.sql} AND ${keyset.sql}`, params: [...leading.params, ...keyset.params] } : keyset;
}

/** The rows whose value of one sort key comes strictly after `value` in its direction. */
function keyAfter(key: SortKey, value: CursorValue, dialect: Dialect): Fragment {
  const target = column(key.field);
  const nullsFirst = dialect.nullsLargest === key.descending;
  if (value === null) return nullsFirst ? { sql: `${target} IS NOT NULL`, params: [] } : NEVER;
  const comparison = { sql: `${target} ${key.descending ? '<' : '>'} ?`, params: [dialect.toDatabase(value)] };
  if (nullsFirst || key.field.neverNull) return comparison;
  return { sql: `(${comparison.sql} OR ${target} IS NULL)`, params: comparison.params };
}

/**
 * A redundant range on the first sort key (`k1 >= v1` ascending) that lets the database seek in
 * the `(k1, id)` index instead of scanning from the start. Valid only when no NULL can follow the
 * boundary: NULLs sort first, or the column has none.
 */
function leadingBound(key: SortKey, value: CursorValue, dialect: Dialect): Fragment | undefined {
  const nullsFirst = dialect.nullsLargest === key.descending;
  if (value === null || !(nullsFirst || key.field.neverNull)) return undefined;
  return { sql: `${column(key.field)} ${key.descending ? '<=' : '>='} ?`, params: [dialect.toDatabase(value)] };
}

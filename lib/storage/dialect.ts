import { fieldTypeOf } from '../metadata/field-type-registry.js';

/**
 * What differs between SQLite and PostgreSQL, in one place. Everything else in storage and the
 * query compiler writes portable SQL with `?` placeholders and double-quoted identifiers.
 */
export interface Dialect {
  readonly name: 'sqlite' | 'postgresql';
  /** Where NULL sorts: PostgreSQL treats it as larger than every value, SQLite as smaller. */
  readonly nullsLargest: boolean;
  /** Appended to the SELECT that reads a row about to be written, so concurrent writers queue. */
  readonly lockForUpdate: string;
  /** The column type of an indexed field of this kind (a scalar kind's own, from the field-type registry; text for enums). */
  columnType(kind: string): string;
  /** A value as the driver should bind it. */
  toDatabase(value: unknown): unknown;
  /** Parses a JSON column as the driver returned it. */
  parseJson(value: unknown): Record<string, unknown>;
  /** SQL that is true when `column` contains / starts with / ends with the bound text (case-sensitive). */
  textMatch(column: string, mode: 'contains' | 'startsWith' | 'endsWith', text: string): { sql: string; params: unknown[] };
  /** The column whose unique index on `table` `error` violated, or undefined when it is another error. */
  uniqueViolation(error: unknown, table: string): string | undefined;
}

const globSpecial = /[*?[\]]/g;
const likeSpecial = /[\\%_]/g;

/** SQLite (the `sqlite3` driver). */
export const sqliteDialect: Dialect = {
  name: 'sqlite',
  nullsLargest: false,
  lockForUpdate: '',
  columnType(kind) {
    return fieldTypeOf(kind)?.index?.column.sqlite ?? 'text';
  },
  toDatabase(value) {
    // SQLite has no boolean type: true and false are stored as 1 and 0.
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value;
  },
  parseJson(value) {
    return typeof value === 'string' ? JSON.parse(value) : value as Record<string, unknown>;
  },
  textMatch(column, mode, text) {
    // GLOB is case-sensitive like PostgreSQL's LIKE; each special character is put in a bracket class.
    const escaped = text.replace(globSpecial, (character) => `[${character}]`);
    const pattern = mode === 'contains' ? `*${escaped}*` : mode === 'startsWith' ? `${escaped}*` : `*${escaped}`;
    return { sql: `${column} GLOB ?`, params: [pattern] };
  },
  uniqueViolation(error, table) {
    const message = error instanceof Error ? error.message : '';
    const match = /UNIQUE constraint failed: (\w+)\.(\w+)$/.exec(message);
    return match && match[1] === table ? match[2] : undefined;
  },
};

/** PostgreSQL (the `pg` driver). */
export const postgresDialect: Dialect = {
  name: 'postgresql',
  nullsLargest: true,
  lockForUpdate: ' FOR UPDATE',
  columnType(kind) {
    return fieldTypeOf(kind)?.index?.column.postgresql ?? 'text';
  },
  toDatabase(value) {
    return value;
  },
  parseJson(value) {
    return typeof value === 'string' ? JSON.parse(value) : value as Record<string, unknown>;
  },
  textMatch(column, mode, text) {
    const escaped = text.replace(likeSpecial, (character) => `\\${character}`);
    const pattern = mode === 'contains' ? `%${escaped}%` : mode === 'startsWith' ? `${escaped}%` : `%${escaped}`;
    return { sql: `${column} LIKE ?`, params: [pattern] };
  },
  uniqueViolation(error, table) {
    const details = error as { code?: string; constraint?: string };
    const constraint = details?.code === '23505' ? details.constraint : undefined;
    const prefix = `${table}_`;
    if (!constraint?.startsWith(prefix) || !constraint.endsWith('_unique')) return undefined;
    return constraint.slice(prefix.length, -'_unique'.length);
  },
};

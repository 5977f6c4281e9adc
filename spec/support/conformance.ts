import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { bootstrap, isStrataError, type BootstrapOptions, type ErrorCode, type Strata, type StrataError } from '../../lib/index.js';
import type { Backend } from './backends.js';

/** A database of one backend with a Strata app bootstrapped on it, for one `describe` of a conformance suite. */
export interface ConformanceApp {
  readonly backend: Backend;
  /** The URL of the database (fresh and empty when the suite started). */
  readonly url: string;
  readonly strata: Strata;
}

/**
 * Registers `before` (create a fresh database, bootstrap `options` on it without plugins unless
 * given) and `after` (close the app, remove the database) in the calling `describe`.
 * @example const app = useConformanceApp(backend, { resources: [Account] }); it('…', () => app.strata.manager(Account));
 */
export function useConformanceApp(backend: Backend, options: Omit<BootstrapOptions, 'database'>): ConformanceApp {
  let url: string | undefined;
  let strata: Strata | undefined;
  let dispose: (() => Promise<void>) | undefined;
  before(async () => {
    const database = await backend.create();
    url = database.url;
    dispose = database.dispose;
    strata = await bootstrap(null, { plugins: [], ...options, database: database.url });
  });
  after(async () => {
    try {
      await strata?.close();
    } finally {
      await dispose?.();
    }
  });
  return {
    backend,
    get url() { return url ?? assert.fail('the database is made in before()'); },
    get strata() { return strata ?? assert.fail('the app is bootstrapped in before()'); },
  };
}

/**
 * Awaits `action` and asserts it fails with a StrataError of `code`; returns the error for further checks.
 * @example const error = await expectStrataError(users.get(id), 'GONE');
 */
export async function expectStrataError(action: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode): Promise<StrataError> {
  let outcome: unknown;
  try {
    outcome = await (typeof action === 'function' ? action() : action);
  } catch (error) {
    if (!isStrataError(error)) throw new assert.AssertionError({ message: `expected StrataError ${code}, got ${String(error)}`, actual: error, expected: code });
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  return assert.fail(`expected StrataError ${code}, but the call succeeded with ${JSON.stringify(outcome)}`);
}

/** The distinct paths of a StrataError's `errors`, sorted, for comparing without caring about order. */
export function errorPaths(error: StrataError): string[] {
  return [...new Set(error.errors.map((detail) => detail.path))].sort();
}

/** An email address no other call in this process returns: `uniqueEmail('ada')` → `ada-7@example.com`. */
export function uniqueEmail(name: string): string {
  return `${name}-${++uniqueCounter}@example.com`;
}
let uniqueCounter = 0;

/** Result of a statement run directly against the database. */
export interface DirectResult {
  rows: Record<string, unknown>[];
  changes: number;
}

/**
 * Runs one SQL statement (with `?` placeholders) on the database of `app` through a separate
 * connection of the database's own driver, bypassing Strata. SQLite in-memory databases live in
 * Strata's connection only, so they cannot be reached this way: callers skip that backend.
 */
export async function runDirectly(app: ConformanceApp, sql: string, params: unknown[] = []): Promise<DirectResult> {
  if (app.backend.name === 'postgres') {
    const client = new pg.Client({ connectionString: app.url });
    await client.connect();
    try {
      let index = 0;
      const result = await client.query(sql.replace(/\?/g, () => `$${++index}`), params);
      return { rows: result.rows, changes: result.rowCount ?? 0 };
    } finally {
      await client.end();
    }
  }
  if (app.backend.name === 'sqlite-memory') throw new Error('an in-memory SQLite database cannot be opened from outside; skip this check on sqlite-memory');
  const file = app.url.slice('sqlite:'.length);
  const connection = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(opened)));
  });
  try {
    await new Promise<void>((resolve, reject) => connection.exec('PRAGMA busy_timeout = 10000', (error) => (error ? reject(error) : resolve())));
    if (/^\s*(select|explain|pragma)/i.test(sql)) {
      const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) =>
        connection.all(sql, params, (error, found) => (error ? reject(error) : resolve(found as Record<string, unknown>[]))));
      return { rows, changes: 0 };
    }
    const changes = await new Promise<number>((resolve, reject) =>
      connection.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) { if (error) reject(error); else resolve(this.changes); }));
    return { rows: [], changes };
  } finally {
    await new Promise<void>((resolve) => connection.close(() => resolve()));
  }
}

/** True for ISO-8601 UTC timestamps as `Date.prototype.toISOString()` writes them. */
export function isIsoTimestamp(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}

import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/core';
import type { AbstractSqlConnection, Knex } from '@mikro-orm/knex';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { BootstrapError } from '../errors/index.js';
import { postgresDialect, sqliteDialect, type Dialect } from './dialect.js';
import { GroupCommit } from './group-commit.js';
import { SqliteGate } from './sqlite-gate.js';
import { SqliteStatements, type SqliteConnection } from './sqlite-statements.js';

/** Where the database is, parsed from a URL such as `sqlite:./data/strata.sqlite`, `sqlite::memory:` or `postgres://…`. */
export interface DatabaseLocation {
  dialect: Dialect;
  /** SQLite file path or `:memory:`; for PostgreSQL the full client URL. */
  target: string;
}

/** Parses a Strata database URL; an unknown scheme is a BootstrapError that says which URLs work. */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new BootstrapError([`Database URL "${url}" names no file; use sqlite:./data/strata.sqlite or sqlite::memory:`]);
    return { dialect: sqliteDialect, target: path === ':memory:' ? ':memory:' : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: postgresDialect, target: url };
  throw new BootstrapError([`Database URL "${url}" is not supported; use sqlite:<file>, sqlite::memory: or postgres://…`]);
}

/**
 * The transaction code is running in: a knex transaction (PostgreSQL), or the one SQLite
 * connection held with `BEGIN IMMEDIATE`; plus what to run once it commits.
 */
interface OpenTransaction {
  knexTransaction?: Knex.Transaction;
  sqliteConnection?: SqliteConnection;
  afterCommit: (() => void)[];
}

/** knex's pool, which hands out SQLite's single connection. */
interface ConnectionPool {
  acquireConnection(): Promise<SqliteConnection>;
  releaseConnection(connection: SqliteConnection): Promise<void>;
}

/** A result row as the driver returned it. */
export type Row = Record<string, unknown>;

/**
 * The MikroORM connection Strata runs its compiled SQL through. Transactions are ambient: code
 * running inside `transaction()` (hooks included) uses the same transaction without passing it on.
 */
export class Database {
  private readonly scope = new AsyncLocalStorage<OpenTransaction>();
  /** SQLite: prepared statements, reused across calls. */
  private readonly statements = new SqliteStatements();
  /** SQLite: concurrent writes share a transaction (`GroupCommit`). */
  private readonly groups: GroupCommit<SqliteConnection>;
  /** SQLite: many reads at once, or one transaction. */
  private readonly gate = new SqliteGate();
  private sqliteConnection?: Promise<SqliteConnection>;

  private constructor(readonly orm: MikroORM, readonly dialect: Dialect, private readonly connection: AbstractSqlConnection) {
    this.groups = new GroupCommit(async () => {
      const connection = await this.sqlite();
      await this.gate.beginWrite();
      return {
        connection,
        exec: (sql) => this.statements.exec(connection, sql),
        release: async () => this.gate.endWrite(),
      };
    });
  }

  /**
   * SQLite's one connection, taken from knex's pool (min 1, max 1, so it stays) and given back at
   * once: MikroORM's schema tools use it through the pool at bootstrap, and Strata's own
   * statements use it directly, through the gate, without a trip through the pool for each.
   */
  private sqlite(): Promise<SqliteConnection> {
    return this.sqliteConnection ??= (async () => {
      const pool = this.connection.getKnex().client as ConnectionPool;
      const connection = await pool.acquireConnection();
      await pool.releaseConnection(connection);
      return connection;
    })();
  }

  /** Opens the database at `url` with the given entity schemas registered. */
  static async open(url: string, entities: EntitySchema[]): Promise<Database> {
    const location = parseDatabaseUrl(url);
    const common: Partial<Options> = {
      entities,
      discovery: { warnWhenNoEntities: false },
      allowGlobalContext: true,
      debug: false,
      // Full-text tables are Strata's own (SQLite FTS5 virtual tables MikroORM cannot introspect).
      schemaGenerator: { skipTables: [/_fts(_\w+)?$/] },
    };
    let orm: MikroORM;
    if (location.dialect.name === 'sqlite') {
      if (location.target !== ':memory:') mkdirSync(dirname(location.target), { recursive: true });
      orm = await MikroORM.init({
        ...common,
        driver: SqliteDriver,
        dbName: location.target,
        pool: {
          min: 1,
          max: 1,
          // WAL lets readers in other processes work during a write; the busy timeout makes writers queue instead of failing.
          afterCreate(connection: { exec(sql: string, done: (error: Error | null) => void): void }, done: (error: Error | null, connection: unknown) => void) {
            connection.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;',
              (error) => done(error, connection));
          },
        },
      } as Options);
    } else {
      orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: location.target, pool: { min: 0, max: 10 } } as Options);
    }
    return new Database(orm, location.dialect, orm.em.getConnection() as unknown as AbstractSqlConnection);
  }

  /** Runs a query and returns its rows. */
  async all<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.dialect.name === 'sqlite') return this.onSqlite((connection) => this.statements.all(connection, sql, params)) as Promise<T[]>;
    return ((await this.raw(sql, params)) as { rows: T[] }).rows;
  }

  /** Runs a statement and returns the number of rows it changed. */
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (this.dialect.name === 'sqlite') return this.onSqlite((connection) => this.statements.run(connection, sql, params));
    return ((await this.raw(sql, params)) as { rowCount?: number }).rowCount ?? 0;
  }

  /**
   * SQLite: runs `statement` on the connection of the ambient transaction, or else alongside other
   * reads through the gate (waiting while a transaction holds the connection, so a read never sees
   * what is not committed).
   */
  private async onSqlite<R>(statement: (connection: SqliteConnection) => Promise<R>): Promise<R> {
    const open = this.scope.getStore();
    if (open?.sqliteConnection) return statement(open.sqliteConnection);
    const connection = await this.sqlite();
    return this.gate.read(() => statement(connection));
  }

  /**
   * PostgreSQL: sends `sql` with its values bound by the driver (MikroORM's own `execute` would
   * inline them into the SQL text), inside the ambient transaction when there is one.
   */
  private raw(sql: string, params: readonly unknown[]): Promise<unknown> {
    const query = this.connection.getKnex().raw(sql, params as never);
    const open = this.scope.getStore();
    if (open?.knexTransaction) query.transacting(open.knexTransaction);
    return query;
  }

  /** True while running inside `transaction()`. */
  get inTransaction(): boolean {
    return this.scope.getStore() !== undefined;
  }

  /**
   * Runs `work` in a transaction, or inside the one already open: all or nothing of it is stored,
   * and it resolves only once that is durable. On SQLite, writes that come while another
   * transaction runs are grouped (`GroupCommit`): each in its own savepoint, one COMMIT for all.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()) return work();
    const open: OpenTransaction = { afterCommit: [] };
    const result = this.dialect.name === 'sqlite'
      // Bound to the caller's async context: the write runs in the group's loop, but code that reads
      // an AsyncLocalStorage of its own (a plugin marking its internal writes) must see the caller's.
      ? await this.groups.submit(AsyncResource.bind((sqliteConnection: SqliteConnection) => this.scope.run({ ...open, sqliteConnection }, work)))
      : await this.connection.transactional((knexTransaction) => this.scope.run({ ...open, knexTransaction }, work));
    for (const callback of open.afterCommit) {
      try {
        callback();
      } catch {
        // The transaction is committed; a callback (a notification) failing cannot undo it.
      }
    }
    return result;
  }

  /**
   * Runs `callback` once the ambient transaction has committed (at once when there is none), and
   * never when it rolls back: for notifications that must not run ahead of the data they announce.
   * @example database.afterCommit(() => worker.wake('SendEmail'));
   */
  afterCommit(callback: () => void): void {
    const open = this.scope.getStore();
    if (open) open.afterCommit.push(callback);
    else callback();
  }

  /** Closes every connection, once the writes under way are committed. */
  async close(): Promise<void> {
    await this.groups.idle();
    await this.statements.finalizeAll();
    await this.orm.close(true);
  }
}

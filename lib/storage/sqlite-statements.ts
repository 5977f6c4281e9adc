/** A result row as the driver returns it. */
type Row = Record<string, unknown>;

/** The part of a `sqlite3` Statement Strata uses. */
interface SqliteStatement {
  all(params: readonly unknown[], callback: (error: Error | null, rows: Row[]) => void): void;
  run(params: readonly unknown[], callback: (this: { changes: number }, error: Error | null) => void): void;
  finalize(callback?: () => void): void;
}

/** The part of a `sqlite3` Database (the connection knex's pool hands out) Strata uses. */
export interface SqliteConnection {
  prepare(sql: string, callback: (error: Error | null) => void): SqliteStatement;
  exec(sql: string, callback: (error: Error | null) => void): void;
}

/** Prepared statements kept per connection; the least recently used beyond this many are finalized. */
const CACHED_STATEMENTS = 256;

/**
 * Runs SQL on a `sqlite3` connection through prepared statements kept for reuse, so a statement is
 * compiled once rather than on every call (the driver's `Database#all` prepares and finalizes each
 * time), and a call is one trip through the driver's thread pool with nothing in front of it.
 * A statement runs its calls one at a time in order, so sharing one between callers is safe.
 */
export class SqliteStatements {
  private readonly cache = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
  private readonly connections = new Set<SqliteConnection>();

  /** The rows `sql` returns (statements with `RETURNING` included). */
  all(connection: SqliteConnection, sql: string, params: readonly unknown[]): Promise<Row[]> {
    const statement = this.statement(connection, sql, params);
    return new Promise((resolve, reject) => statement.all(params, (error, rows) => (error ? reject(error) : resolve(rows))));
  }

  /** Runs `sql` and returns how many rows it changed. */
  run(connection: SqliteConnection, sql: string, params: readonly unknown[]): Promise<number> {
    const statement = this.statement(connection, sql, params);
    return new Promise((resolve, reject) => statement.run(params, function (error) {
      if (error) reject(error);
      else resolve(this.changes ?? 0);
    }));
  }

  /** Runs statements without values (`BEGIN IMMEDIATE; SAVEPOINT m`) in one trip. */
  exec(connection: SqliteConnection, sql: string): Promise<void> {
    return new Promise((resolve, reject) => connection.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  /** Finalizes every kept statement: a connection closes only once its statements are finalized. */
  async finalizeAll(): Promise<void> {
    const finalizing: Promise<void>[] = [];
    for (const connection of this.connections) {
      for (const statement of this.cache.get(connection)?.values() ?? []) finalizing.push(new Promise((resolve) => statement.finalize(() => resolve())));
      this.cache.delete(connection);
    }
    this.connections.clear();
    await Promise.all(finalizing);
  }

  private statement(connection: SqliteConnection, sql: string, params: readonly unknown[]): SqliteStatement {
    // The driver would bind undefined as nothing at all; a missing value is a bug to see, not a NULL.
    if (params.includes(undefined)) throw new Error(`undefined value bound to SQL: ${sql}`);
    let statements = this.cache.get(connection);
    if (!statements) {
      statements = new Map();
      this.cache.set(connection, statements);
      this.connections.add(connection);
    }
    const kept = statements.get(sql);
    if (kept) {
      // Most recently used last, so eviction takes the coldest.
      statements.delete(sql);
      statements.set(sql, kept);
      return kept;
    }
    const cache = statements;
    // A statement that fails to compile reports it to its calls; it is not kept.
    const statement = connection.prepare(sql, (error) => {
      if (error && cache.get(sql) === statement) cache.delete(sql);
    });
    statements.set(sql, statement);
    if (statements.size > CACHED_STATEMENTS) {
      const [coldest, cold] = statements.entries().next().value as [string, SqliteStatement];
      statements.delete(coldest);
      cold.finalize();
    }
    return statement;
  }
}

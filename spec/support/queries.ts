import { Database } from '../../lib/storage/database.js';

/**
 * Counts the statements every Database runs while `work` runs (the app runs in this process), so a
 * test can show that a read costs a fixed number of queries whatever its size.
 */
export async function countQueries<T>(work: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const queries: string[] = [];
  const original = { all: Database.prototype.all, run: Database.prototype.run };
  Database.prototype.all = function all(this: Database, sql: string, params?: readonly unknown[]) {
    queries.push(sql);
    return original.all.call(this, sql, params) as never;
  };
  Database.prototype.run = function run(this: Database, sql: string, params?: readonly unknown[]) {
    queries.push(sql);
    return original.run.call(this, sql, params);
  };
  try {
    return { result: await work(), queries };
  } finally {
    Object.assign(Database.prototype, original);
  }
}

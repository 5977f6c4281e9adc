import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where the test PostgreSQL server is; its `postgres` database is used to create and drop test databases. */
export const POSTGRES_ADMIN_URL = process.env.STRATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database the conformance suites run against: a fresh, empty one per `create()`. */
export interface Backend {
  readonly name: 'sqlite-memory' | 'sqlite-file' | 'postgres';
  /** Makes a new empty database and returns its URL and a function that removes it. */
  create(): Promise<{ url: string; dispose(): Promise<void> }>;
}

/** Every backend the storage conformance suite must pass on. PostgreSQL is never skipped. */
export const BACKENDS: readonly Backend[] = [
  { name: 'sqlite-memory', async create() { return { url: 'sqlite::memory:', async dispose() {} }; } },
  {
    name: 'sqlite-file',
    async create() {
      const file = join(tmpdir(), `strata-${randomUUID()}.sqlite`);
      return { url: `sqlite:${file}`, async dispose() { for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true }); } };
    },
  },
  {
    name: 'postgres',
    async create() {
      const name = `strata_test_${randomUUID().replace(/-/g, '')}`;
      await adminQuery(`CREATE DATABASE "${name}"`);
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      return { url: url.toString(), async dispose() { await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); } };
    },
  },
];

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

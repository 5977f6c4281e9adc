import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sqlite3 from 'sqlite3';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length } from 'class-validator';
import { Indexed, Resource } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { compileQuery, encodeCursor, parseQuery, type QueryInput } from '../../lib/query/index.js';
import { sqliteDialect } from '../../lib/storage/dialect.js';
import { SYSTEM_COLUMNS } from '../../lib/storage/schema.js';

@Resource()
class Player {
  @Indexed({ text: true }) @Length(1, 100) name!: string;
  @Indexed({ text: true }) @IsOptional() @IsString() bio?: string;
  @Indexed() @IsOptional() @IsInt() age?: number;
  @Indexed() @IsOptional() @IsBoolean() active?: boolean;
  @Indexed() @IsOptional() @IsIn(['gold', 'silver']) tier?: string;
}

const built = buildModels([Player]);
assert.deepEqual(built.problems, []);
const [player] = built.models;
const table = player.names.table;
const limits = { defaultLimit: 50, maxLimit: 100 };
const database = new sqlite3.Database(':memory:');

function run(sql: string, params: readonly unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => database.run(sql, params, (error) => (error ? reject(error) : resolve())));
}
function all<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => database.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
}

/** The current-state table, its (column, id) indexes and the FTS5 table, as lib/storage/schema.ts creates them. */
async function createSchema(): Promise<void> {
  const system = ['"id" text not null', '"_revision" integer not null', '"_revision_count" integer not null', '"_status" text not null',
    '"_hash" text not null', '"_schema_version" integer not null', '"_version" integer not null', '"_deleted_at" text null',
    '"_deleted_by" text null', '"_created_at" text not null', '"_created_by" text null', '"_updated_at" text not null',
    '"_updated_by" text null', '"_data" json not null'];
  const fields = player.indexedFields.map((field) => `"${field.column}" ${sqliteDialect.columnType(field.type.kind)} null`);
  await run(`CREATE TABLE "${table}" (${[...system, ...fields].join(', ')}, primary key ("id"))`);
  await run(`CREATE INDEX "${table}_created_idx" ON "${table}" ("_created_at", "id")`);
  await run(`CREATE INDEX "${table}_updated_idx" ON "${table}" ("_updated_at", "id")`);
  for (const field of player.indexedFields) await run(`CREATE INDEX "${table}_${field.column}_idx" ON "${table}" ("${field.column}", "id")`);
  const fts = `${table}_fts`;
  const columns = player.textFields.map((field) => `"${field.column}"`).join(', ');
  const values = player.textFields.map((field) => `new."${field.column}"`).join(', ');
  await run(`CREATE VIRTUAL TABLE "${fts}" USING fts5(${columns}, tokenize = 'unicode61')`);
  await run(`CREATE TRIGGER "${fts}_insert" AFTER INSERT ON "${table}" BEGIN INSERT INTO "${fts}"(rowid, ${columns}) VALUES (new.rowid, ${values}); END`);
  await run(`CREATE TRIGGER "${fts}_delete" AFTER DELETE ON "${table}" BEGIN DELETE FROM "${fts}" WHERE rowid = old.rowid; END`);
  await run(`CREATE TRIGGER "${fts}_update" AFTER UPDATE OF ${columns} ON "${table}" BEGIN DELETE FROM "${fts}" WHERE rowid = old.rowid;
    INSERT INTO "${fts}"(rowid, ${columns}) VALUES (new.rowid, ${values}); END`);
}

interface Seed { id: string; name: string; bio?: string; age?: number; active?: boolean; tier?: string; deleted?: boolean }
let clock = 0;

async function insert(seed: Seed): Promise<void> {
  const createdAt = new Date(Date.UTC(2024, 0, 1) + 1000 * ++clock).toISOString();
  const columns = ['id', '_revision', '_revision_count', '_status', '_hash', '_schema_version', '_version', '_created_at', '_updated_at', '_data', SYSTEM_COLUMNS.deletedAt, 'name', 'bio', 'age', 'active', 'tier'];
  await run(`INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, [
    seed.id, 1, 1, 'stable', 'hash', 1, 1, createdAt, createdAt, '{}', seed.deleted ? createdAt : null,
    seed.name, seed.bio ?? null, seed.age ?? null, seed.active === undefined ? null : Number(seed.active), seed.tier ?? null,
  ]);
}

const seeds: Seed[] = [
  { id: 'p01', name: 'Ada Lovelace', bio: 'first programmer', age: 36, active: true, tier: 'gold' },
  { id: 'p02', name: 'alan turing', bio: 'codebreaker', age: 41, active: false, tier: 'silver' },
  { id: 'p03', name: 'Grace Hopper', bio: 'compilers and programmer', active: true },
  { id: 'p04', name: 'Star*Man?', age: 30, tier: 'gold' },
  { id: 'p05', name: '100%_sure', active: false, tier: 'silver' },
  { id: 'p06', name: 'Linus', age: 30, active: true },
  { id: 'p07', name: 'ada', age: 25 },
  { id: 'p08', name: 'Deleted Dan', age: 50, deleted: true },
];

/** Ids of the first page of `input`. */
async function ids(input: QueryInput): Promise<string[]> {
  const parsed = parseQuery(player, input, limits);
  const { select } = compileQuery(player, parsed, sqliteDialect);
  return (await all<{ id: string }>(select.sql, select.params)).slice(0, parsed.limit).map((row) => row.id);
}
const sortedIds = async (input: QueryInput) => (await ids(input)).sort();

/** Follows nextCursor to the end, calling `betweenPages` after each page; returns every id seen. */
async function everyPage(input: QueryInput, betweenPages: (page: number) => Promise<void> = async () => {}): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const parsed = parseQuery(player, { ...input, cursor }, limits);
    const { select } = compileQuery(player, parsed, sqliteDialect);
    const rows = await all(select.sql, select.params);
    const pageRows = rows.slice(0, parsed.limit);
    seen.push(...pageRows.map((row) => row.id as string));
    if (rows.length <= parsed.limit) return seen;
    cursor = encodeCursor(parsed, pageRows[pageRows.length - 1]);
    await betweenPages(page);
  }
  assert.fail('paging did not end');
}

before(async () => {
  await createSchema();
  for (const seed of seeds) await insert(seed);
});
after(() => new Promise<void>((resolve) => database.close(() => resolve())));

describe('compiled queries on SQLite', () => {
  it('keeps three-valued logic: a NULL field matches neither a test nor its negation', async () => {
    assert.deepEqual(await sortedIds({ where: { age: { gt: 30 } } }), ['p01', 'p02']);
    assert.deepEqual(await sortedIds({ where: { not: { age: { gt: 30 } } } }), ['p04', 'p06', 'p07']);
    assert.deepEqual(await sortedIds({ where: { age: { ne: 30 } } }), ['p01', 'p02', 'p07']);
    assert.deepEqual(await sortedIds({ where: { age: { nin: [30, 25] } } }), ['p01', 'p02']);
    assert.deepEqual(await sortedIds({ where: { not: { age: { in: [30] } } } }), ['p01', 'p02', 'p07']);
    assert.deepEqual(await sortedIds({ where: { or: [{ age: { lt: 26 } }, { active: false }] } }), ['p02', 'p05', 'p07']);
  });
  it('runs every operator', async () => {
    const cases: [unknown, string[]][] = [
      [{ age: '30' }, ['p04', 'p06']],
      [{ age: { gte: 36 } }, ['p01', 'p02']],
      [{ age: { lt: '30' } }, ['p07']],
      [{ age: { lte: 30 } }, ['p04', 'p06', 'p07']],
      [{ age: { in: '25,41' } }, ['p02', 'p07']],
      [{ age: { in: [] } }, []],
      [{ age: { nin: [] } }, ['p01', 'p02', 'p04', 'p06', 'p07']],
      [{ age: { exists: false } }, ['p03', 'p05']],
      [{ age: { isNull: false } }, ['p01', 'p02', 'p04', 'p06', 'p07']],
      [{ age: null }, ['p03', 'p05']],
      [{ active: 'true' }, ['p01', 'p03', 'p06']],
      [{ active: { ne: true } }, ['p02', 'p05']],
      [{ tier: 'gold', age: { gt: 30 } }, ['p01']],
      [{ tier: { startsWith: 'sil' } }, ['p02', 'p05']],
      [{ name: { gt: 'a' } }, ['p02', 'p07']],
      [{ id: { in: ['p01', 'p08'] } }, ['p01']],
      [{ '_meta.createdAt': { lt: '2024-01-01T00:00:03Z' } }, ['p01', 'p02']],
      [{ '_meta.status': 'stable', not: { '_meta.createdBy': { exists: true } } }, ['p01', 'p02', 'p03', 'p04', 'p05', 'p06', 'p07']],
    ];
    for (const [where, expected] of cases) assert.deepEqual(await sortedIds({ where }), expected, JSON.stringify(where));
  });
  it('matches text case-sensitively, with * ? % _ [ taken literally', async () => {
    const cases: [unknown, string[]][] = [
      [{ name: { contains: 'ada' } }, ['p07']],
      [{ name: { contains: 'Ada' } }, ['p01']],
      [{ name: { startsWith: 'a' } }, ['p02', 'p07']],
      [{ name: { endsWith: 'Hopper' } }, ['p03']],
      [{ name: { endsWith: 'hopper' } }, []],
      [{ name: { contains: '*' } }, ['p04']],
      [{ name: { contains: '?' } }, ['p04']],
      [{ name: { startsWith: 'Star*' } }, ['p04']],
      [{ name: { endsWith: 'n?' } }, ['p04']],
      [{ name: { contains: '%' } }, ['p05']],
      [{ name: { contains: '_' } }, ['p05']],
      [{ name: { contains: '0%_s' } }, ['p05']],
      [{ name: { contains: '[a-z]' } }, []],
      [{ name: { contains: 'a%' } }, []],
    ];
    for (const [where, expected] of cases) assert.deepEqual(await sortedIds({ where }), expected, JSON.stringify(where));
  });
  it('filters deleted rows and counts totals', async () => {
    assert.deepEqual(await ids({ deleted: 'only' }), ['p08']);
    assert.equal((await ids({ deleted: 'include' })).length, 8);
    const parsed = parseQuery(player, { where: { age: { gte: 30 } }, total: true, limit: 1 }, limits);
    const { count } = compileQuery(player, parsed, sqliteDialect);
    assert.deepEqual(await all(count!.sql, count!.params), [{ total: 4 }]);
  });
  it('searches words with q, across text fields, ignoring FTS5 syntax', async () => {
    assert.deepEqual(await sortedIds({ q: 'ada' }), ['p01', 'p07']);
    assert.deepEqual(await sortedIds({ q: 'programmer' }), ['p01', 'p03']);
    assert.deepEqual(await sortedIds({ q: 'Programmer  LOVELACE' }), ['p01']);
    assert.deepEqual(await ids({ q: 'programmer', where: { active: true }, sort: '-name' }), ['p03', 'p01']);
    for (const syntax of ['lov*', 'ada OR alan', 'NEAR(ada', '"', 'name:ada', '*', '-ada', '^ada']) {
      assert.ok(Array.isArray(await ids({ q: syntax })), syntax);
    }
    assert.deepEqual(await ids({ q: 'lov*' }), []);
    assert.deepEqual(await ids({ q: 'ada OR alan' }), [], 'OR is a word here, and no row holds it');
  });
  it('sorts with NULLs where SQLite puts them and id as tiebreaker', async () => {
    assert.deepEqual(await ids({ sort: 'age' }), ['p03', 'p05', 'p07', 'p04', 'p06', 'p01', 'p02']);
    assert.deepEqual(await ids({ sort: '-age' }), ['p02', 'p01', 'p06', 'p04', 'p07', 'p05', 'p03']);
    assert.deepEqual(await ids({ sort: 'age,-id' }), ['p05', 'p03', 'p07', 'p06', 'p04', 'p01', 'p02']);
    assert.deepEqual(await ids({ limit: 2, offset: 2 }), ['p03', 'p04']);
  });
});

describe('keyset paging on SQLite', () => {
  for (const sort of ['age', '-age', 'active,-age', '-tier,name', undefined]) {
    it(`returns every row once, sorted by ${sort ?? 'default'}`, async () => {
      for (const limit of [1, 2, 3]) assert.deepEqual(await everyPage({ sort, limit }), await ids({ sort }), `limit ${limit}`);
    });
  }
  it('returns every row once while rows are inserted between pages', async () => {
    for (const sort of ['age', '-age']) {
      const before = await ids({ sort, deleted: 'include' });
      const inserted: string[] = [];
      const seen = await everyPage({ sort, limit: 2, deleted: 'include' }, async (page) => {
        for (const age of [undefined, 1, 33, 99]) {
          const id = `n-${sort}-${page}-${age ?? 'null'}`;
          inserted.push(id);
          await insert({ id, name: 'newcomer', age });
        }
      });
      assert.equal(new Set(seen).size, seen.length, 'no row twice');
      for (const id of before) assert.ok(seen.includes(id), `${id} was skipped`);
      assert.deepEqual(seen.filter((id) => !inserted.includes(id)), before, 'the rows present from the start keep their order');
      await run(`DELETE FROM "${table}" WHERE "name" = 'newcomer'`);
    }
  });
});

describe('query plans on SQLite', () => {
  const plan = async (input: QueryInput) => {
    const { select } = compileQuery(player, parseQuery(player, input, limits), sqliteDialect);
    return (await all<{ detail: string }>(`EXPLAIN QUERY PLAN ${select.sql}`, select.params)).map((row) => row.detail).join(' | ');
  };
  const usesIndex = (detail: string, column: string) => new RegExp(`USING (COVERING )?INDEX ${table}_${column}_idx`).test(detail);
  it('uses the column index for an equality filter', async () => {
    const detail = await plan({ where: { age: 30 } });
    assert.ok(usesIndex(detail, 'age'), detail);
  });
  it('uses an index for a range filter: the column index, or the sort index instead of sorting', async () => {
    const sorted = await plan({ where: { age: { gt: 30 } }, sort: 'age' });
    assert.ok(usesIndex(sorted, 'age'), sorted);
    assert.doesNotMatch(sorted, /TEMP B-TREE/);
    const inCreationOrder = await plan({ where: { age: { gt: 30 } } });
    assert.ok(usesIndex(inCreationOrder, 'age') || usesIndex(inCreationOrder, 'created'), inCreationOrder);
    assert.doesNotMatch(inCreationOrder, /SCAN t( \||$)/, 'no full table scan');
  });
  it('walks the index for a sort, with no temporary b-tree', async () => {
    for (const [sort, column] of [['age', 'age'], ['-age', 'age'], [undefined, 'created']] as const) {
      const detail = await plan({ sort });
      assert.ok(usesIndex(detail, column), detail);
      assert.doesNotMatch(detail, /TEMP B-TREE/);
    }
  });
  it('seeks in the index when paging with a cursor', async () => {
    const parsed = parseQuery(player, { sort: 'age' }, limits);
    const detail = await plan({ sort: 'age', cursor: encodeCursor(parsed, { age: 30, id: 'p04' }) });
    assert.match(detail, new RegExp(`SEARCH t USING INDEX ${table}_age_idx \\(age>\\?\\)`), detail);
    assert.doesNotMatch(detail, /TEMP B-TREE/);
  });
});

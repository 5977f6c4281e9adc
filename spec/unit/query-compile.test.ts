import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length } from 'class-validator';
import { Indexed, Resource } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { compileQuery, encodeCursor, parseQuery, type QueryInput } from '../../lib/query/index.js';
import { postgresDialect, sqliteDialect, type Dialect } from '../../lib/storage/dialect.js';

@Resource({ name: 'Member' })
class Member {
  @Indexed({ text: true }) @Length(1, 100) name!: string;
  @Indexed() @IsOptional() @IsInt() age?: number;
  @Indexed() @IsOptional() @IsBoolean() active?: boolean;
  @Indexed() @IsOptional() @IsIn(['gold', 'silver']) tier?: string;
  @IsOptional() @IsString() notes?: string;
}

const built = buildModels([Member]);
assert.deepEqual(built.problems, []);
const [member] = built.models;
const limits = { defaultLimit: 20, maxLimit: 100 };
const compile = (input: QueryInput, dialect: Dialect = sqliteDialect) => compileQuery(member, parseQuery(member, input, limits), dialect);
/** The WHERE clause of the select, after the deleted filter. */
const filterOf = (where: unknown, dialect: Dialect = sqliteDialect) => {
  const { sql, params } = compile({ where }, dialect).select;
  const clause = /WHERE t\."_deleted_at" IS NULL AND (.*) ORDER BY/.exec(sql)?.[1];
  return { sql: clause, params: params.slice(0, -2) };
};

describe('compileQuery: the statement', () => {
  it('selects whole rows, not deleted, in creation order, one row more than the limit', () => {
    assert.deepEqual(compile({}).select, {
      sql: 'SELECT t.* FROM "members_meta" t WHERE t."_deleted_at" IS NULL ORDER BY t."_created_at" ASC, t."id" ASC LIMIT ? OFFSET ?',
      params: [21, 0],
    });
    assert.equal(compile({}).count, undefined);
  });
  it('filters deleted rows as asked', () => {
    assert.match(compile({ deleted: 'only' }).select.sql, /WHERE t\."_deleted_at" IS NOT NULL ORDER BY/);
    assert.doesNotMatch(compile({ deleted: 'include' }).select.sql, /WHERE/);
  });
  it('orders by each sort key, then id, without NULLS FIRST/LAST so (column, id) indexes serve it', () => {
    const { sql, params } = compile({ sort: '-age,name', limit: 5, offset: 10 }).select;
    assert.match(sql, / ORDER BY t\."age" DESC, t\."name" ASC, t\."id" ASC LIMIT \? OFFSET \?$/);
    assert.deepEqual(params, [6, 10]);
    assert.doesNotMatch(sql, /NULLS/);
  });
  it('counts the same filter without paging when total is asked', () => {
    const { select, count } = compile({ where: { age: { gt: 3 } }, q: 'ada', total: true, limit: 5, offset: 5 });
    assert.deepEqual(count, {
      sql: 'SELECT COUNT(*) AS "total" FROM "members_meta" t WHERE t."_deleted_at" IS NULL AND t."age" > ? AND t.rowid IN (SELECT rowid FROM "members_meta_fts" WHERE "members_meta_fts" MATCH ?)',
      params: [3, '"ada"'],
    });
    assert.deepEqual(select.params, [3, '"ada"', 6, 5]);
  });
});

describe('compileQuery: operators', () => {
  it('comparisons bind the coerced value', () => {
    const expected = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
    for (const [operator, sql] of Object.entries(expected)) {
      assert.deepEqual(filterOf({ age: { [operator]: '30' } }), { sql: `t."age" ${sql} ?`, params: [30] });
    }
  });
  it('binds booleans through the dialect', () => {
    assert.deepEqual(filterOf({ active: 'true' }), { sql: 't."active" = ?', params: [1] });
    assert.deepEqual(filterOf({ active: false }, postgresDialect), { sql: 't."active" = ?', params: [false] });
  });
  it('in and nin have one placeholder per value; empty lists are constant', () => {
    assert.deepEqual(filterOf({ age: { in: '1,2,3' } }), { sql: 't."age" IN (?, ?, ?)', params: [1, 2, 3] });
    assert.deepEqual(filterOf({ tier: { nin: ['gold'] } }), { sql: 't."tier" NOT IN (?)', params: ['gold'] });
    assert.deepEqual(filterOf({ age: { in: [] } }), { sql: '1 = 0', params: [] });
    assert.deepEqual(filterOf({ age: { nin: [] } }), { sql: 't."age" IS NOT NULL', params: [] });
  });
  it('text operators go through the dialect, with wildcards escaped', () => {
    assert.deepEqual(filterOf({ name: { contains: 'a*b' } }), { sql: 't."name" GLOB ?', params: ['*a[*]b*'] });
    assert.deepEqual(filterOf({ name: { startsWith: 'a?' } }), { sql: 't."name" GLOB ?', params: ['a[?]*'] });
    assert.deepEqual(filterOf({ name: { endsWith: '[x]' } }), { sql: 't."name" GLOB ?', params: ['*[[]x[]]'] });
    assert.deepEqual(filterOf({ name: { contains: '50%_' } }, postgresDialect), { sql: 't."name" LIKE ?', params: ['%50\\%\\_%'] });
  });
  it('exists and isNull', () => {
    assert.equal(filterOf({ age: { exists: true } }).sql, 't."age" IS NOT NULL');
    assert.equal(filterOf({ age: { exists: false } }).sql, 't."age" IS NULL');
    assert.equal(filterOf({ age: { isNull: true } }).sql, 't."age" IS NULL');
    assert.equal(filterOf({ age: { isNull: 'false' } }).sql, 't."age" IS NOT NULL');
    assert.equal(filterOf({ age: null }).sql, 't."age" IS NULL');
  });
  it('and, or, not keep SQL three-valued logic (no IS NULL escape hatches)', () => {
    assert.deepEqual(filterOf({ or: [{ age: { lt: 18 } }, { not: { tier: 'gold', active: true } }], name: 'x' }), {
      sql: '((t."age" < ? OR NOT ((t."tier" = ? AND t."active" = ?))) AND t."name" = ?)',
      params: [18, 'gold', 1, 'x'],
    });
    assert.deepEqual(filterOf({ not: { age: { ne: 5 } } }), { sql: 'NOT (t."age" <> ?)', params: [5] });
    assert.deepEqual(filterOf({ or: [] }), { sql: '1 = 0', params: [] });
    assert.match(compile({ where: { and: [] } }).select.sql, /WHERE t\."_deleted_at" IS NULL ORDER BY/);
  });
  it('full-text search quotes every word for FTS5, and uses plainto_tsquery on PostgreSQL', () => {
    assert.deepEqual(compile({ q: 'ada  "NEAR" lo*ve OR -x' }).select.params.slice(0, 1), ['"ada" AND """NEAR""" AND "lo*ve" AND "OR" AND "-x"']);
    const postgres = compile({ q: 'ada lovelace' }, postgresDialect).select;
    assert.match(postgres.sql, /AND t\."_search" @@ plainto_tsquery\('simple', \?\) ORDER BY/);
    assert.deepEqual(postgres.params, ['ada lovelace', 21, 0]);
  });
});

describe('compileQuery: keyset cursors', () => {
  const after = (input: QueryInput, row: Record<string, unknown>, dialect: Dialect) => {
    const cursor = encodeCursor(parseQuery(member, input, limits), row);
    const { sql, params } = compile({ ...input, cursor }, dialect).select;
    return { sql: /IS NULL AND (.*) ORDER BY/.exec(sql)?.[1], params };
  };
  it('SQLite, ascending: NULLs come first, so the first key also bounds an index seek', () => {
    assert.deepEqual(after({ sort: 'age' }, { age: 30, id: 'm5' }, sqliteDialect), {
      sql: 't."age" >= ? AND ((t."age" > ?) OR (t."age" = ? AND t."id" > ?))',
      params: [30, 30, 30, 'm5', 21, 0],
    });
    assert.deepEqual(after({ sort: 'age' }, { age: null, id: 'm5' }, sqliteDialect).sql,
      '((t."age" IS NOT NULL) OR (t."age" IS NULL AND t."id" > ?))');
  });
  it('SQLite, descending: NULLs come last', () => {
    assert.deepEqual(after({ sort: '-age' }, { age: 30, id: 'm5' }, sqliteDialect).sql,
      '(((t."age" < ? OR t."age" IS NULL)) OR (t."age" = ? AND t."id" < ?))');
    assert.deepEqual(after({ sort: '-age' }, { age: null, id: 'm5' }, sqliteDialect).sql, '((t."age" IS NULL AND t."id" < ?))');
  });
  it('PostgreSQL puts NULLs last ascending and first descending', () => {
    assert.deepEqual(after({ sort: 'age' }, { age: 30, id: 'm5' }, postgresDialect).sql,
      '(((t."age" > ? OR t."age" IS NULL)) OR (t."age" = ? AND t."id" > ?))');
    assert.deepEqual(after({ sort: '-age,-id' }, { age: 30, id: 'm5' }, postgresDialect).sql,
      't."age" <= ? AND ((t."age" < ?) OR (t."age" = ? AND t."id" < ?))');
    assert.deepEqual(after({ sort: '-age' }, { age: null, id: 'm5' }, postgresDialect).sql,
      '((t."age" IS NOT NULL) OR (t."age" IS NULL AND t."id" < ?))');
  });
  it('bounds the first key of NOT NULL columns whatever the NULL order', () => {
    assert.deepEqual(after({}, { _created_at: '2024-01-01T00:00:00.000Z', id: 'm5' }, postgresDialect).sql,
      't."_created_at" >= ? AND ((t."_created_at" > ?) OR (t."_created_at" = ? AND t."id" > ?))');
  });
  it('fetches limit + 1 rows from the cursor on', () => {
    const cursor = encodeCursor(parseQuery(member, {}, limits), { _created_at: '2024-01-01T00:00:00.000Z', id: 'm1' });
    assert.deepEqual(compile({ cursor, limit: 2 }).select.params.slice(-2), [3, 0]);
  });
});

describe('compileQuery: no user text reaches the SQL', () => {
  const hostile = ['"; DROP TABLE x; --', "' OR '1'='1", '`evil`', '__proto__', 'constructor', 'x") OR 1=1 --', '\\"', '*', '%'];
  it('refuses hostile field names, operators and sort keys before compiling', () => {
    for (const text of hostile) {
      assert.throws(() => compile({ where: { [text]: 1 } }), { code: 'BAD_QUERY' });
      assert.throws(() => compile({ where: { age: { [text]: 1 } } }), { code: 'BAD_QUERY' });
      assert.throws(() => compile({ sort: text }), { code: 'BAD_QUERY' });
    }
  });
  it('binds hostile values as parameters, in both dialects', () => {
    for (const dialect of [sqliteDialect, postgresDialect]) {
      for (const text of hostile) {
        const { select, count } = compile({
          where: { or: [{ name: text }, { name: { contains: text } }, { name: { in: [text, text] } }, { not: { name: { startsWith: text, endsWith: text } } }] },
          q: text, total: true,
        }, dialect);
        for (const statement of [select, count!]) {
          const fixedText = statement.sql
            .replace(/"(?:members_meta(?:_fts)?|_search|_deleted_at|_created_at|name|id|total)"/g, '')
            .replace(/t\.\*|COUNT\(\*\)|'simple'/g, '');
          assert.doesNotMatch(fixedText, /["'`;\\*%]|DROP|__proto__|constructor|--/, statement.sql);
          assert.equal(statement.sql.split('?').length - 1, statement.params.length);
          assert.ok(statement.params.some((param) => typeof param === 'string' && param.includes(text.replaceAll('"', '""')) || param === text));
        }
      }
    }
  });
});

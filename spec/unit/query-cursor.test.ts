import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsInt, IsOptional, Length } from 'class-validator';
import { Indexed, Resource } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { encodeCursor, parseQuery, type QueryInput } from '../../lib/query/index.js';
import { isStrataError } from '../../lib/errors/StrataError.js';

@Resource()
class Article {
  @Indexed({ text: true }) @Length(1, 200) title!: string;
  @Indexed() @IsOptional() @IsInt() views?: number;
  @Indexed() @IsOptional() @IsBoolean() featured?: boolean;
}

const built = buildModels([Article]);
assert.deepEqual(built.problems, []);
const [article] = built.models;
const limits = { defaultLimit: 10, maxLimit: 50 };
const parse = (input: QueryInput) => parseQuery(article, input, limits);
const row = { id: 'a-7', title: 'Hello', views: 42, featured: 1, _created_at: '2024-01-01T00:00:00.000Z', _deleted_at: null };

/** Expects `run` to throw a BAD_QUERY about the cursor with the given constraint. */
function rejectsCursor(run: () => unknown, constraint: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isStrataError(error));
    assert.equal(error.code, 'BAD_QUERY');
    assert.equal(error.errors[0].path, 'cursor');
    assert.equal(error.errors[0].constraint, constraint);
    assert.match(error.message, /^cursor: /);
    return true;
  });
}

/** A cursor whose payload was rewritten by a client. */
function forged(cursor: string, change: (payload: { s: string; k: unknown[] }) => unknown): string {
  const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  return Buffer.from(JSON.stringify(change(payload)), 'utf8').toString('base64url');
}

describe('cursors', () => {
  it('round-trip the sort-key values of the last row, id last', () => {
    const query: QueryInput = { where: { views: { gte: '1' } }, sort: '-views,featured' };
    const first = parse(query);
    const cursor = encodeCursor(first, row);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'base64url, safe in a query string');
    const next = parse({ ...query, cursor });
    assert.deepEqual(next.after, [42, 1, 'a-7']);
    assert.equal(next.offset, 0);
  });
  it('cover the default sort', () => {
    const cursor = encodeCursor(parse({}), row);
    assert.deepEqual(parse({ cursor }).after, ['2024-01-01T00:00:00.000Z', 'a-7']);
  });
  it('keep NULL sort values', () => {
    const cursor = encodeCursor(parse({ sort: 'views' }), { ...row, views: null });
    assert.deepEqual(parse({ sort: 'views', cursor }).after, [null, 'a-7']);
  });
  it('survive a change of limit, fields or total', () => {
    const cursor = encodeCursor(parse({ sort: 'views', limit: 5 }), row);
    assert.deepEqual(parse({ sort: 'views', limit: 20, fields: 'title', total: true, cursor }).after, [42, 'a-7']);
  });
  it('are refused for another sort, filter, q or deleted', () => {
    const query: QueryInput = { where: { views: { gte: 1 } }, sort: 'views', q: 'hello' };
    const cursor = encodeCursor(parse(query), row);
    assert.deepEqual(parse({ ...query, where: { views: { gte: '1' } }, cursor }).after, [42, 'a-7'], 'the same filter written differently');
    for (const other of [
      { ...query, sort: '-views' },
      { ...query, sort: 'featured' },
      { ...query, where: { views: { gte: 2 } } },
      { ...query, where: undefined },
      { ...query, q: 'world' },
      { ...query, deleted: 'include' },
    ]) rejectsCursor(() => parse({ ...other, cursor }), 'cursorScope');
  });
  it('refuse malformed and tampered cursors', () => {
    const query: QueryInput = { sort: 'views' };
    const cursor = encodeCursor(parse(query), row);
    const tampered = [
      'not a cursor!',
      'bm90IGpzb24',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      'A'.repeat(5000),
      forged(cursor, (payload) => ({ ...payload, k: [42] })),
      forged(cursor, (payload) => ({ ...payload, k: [42, 'a-7', 'extra'] })),
      forged(cursor, (payload) => ({ ...payload, k: ['42; DROP TABLE articles_meta', 'a-7'] })),
      forged(cursor, (payload) => ({ ...payload, k: [{ $gt: 1 }, 'a-7'] })),
      forged(cursor, (payload) => ({ ...payload, k: [42, null] })),
      forged(cursor, (payload) => ({ ...payload, k: 'abc' })),
    ];
    for (const bad of tampered) rejectsCursor(() => parse({ ...query, cursor: bad }), 'cursor');
    rejectsCursor(() => parse({ ...query, cursor: forged(cursor, (payload) => ({ ...payload, s: 'x' })) }), 'cursorScope');
  });
  it('accept values as PostgreSQL returns them (bigint as text, real booleans)', () => {
    const cursor = encodeCursor(parse({ sort: 'views,featured' }), { ...row, views: '9007199254740993', featured: true });
    assert.deepEqual(parse({ sort: 'views,featured', cursor }).after, ['9007199254740993', true, 'a-7']);
  });
});

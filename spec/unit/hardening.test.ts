import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, Length } from 'class-validator';
import { Indexed, Resource } from '../../index.js';
import { clientFacts, StrataError } from '../../lib/errors/index.js';
import { checkJsonDepth, parseJsonText, valueDepth } from '../../lib/http/body.js';
import { withoutSqlValues } from '../../lib/logger.js';
import { parseEntityTags } from '../../lib/manager/preconditions.js';
import { ID_PATTERN } from '../../lib/manager/transfer.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { normalizeIndexValue } from '../../lib/metadata/normalize.js';

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return (error as StrataError).code;
  }
};

describe('hardening units', () => {
  it('nesting is measured without recursion, strings and escapes aside', () => {
    assert.equal(codeOf(() => checkJsonDepth('[[[]]]', 3)), undefined);
    assert.equal(codeOf(() => checkJsonDepth('[[[[]]]]', 3)), 'BAD_REQUEST');
    assert.equal(codeOf(() => checkJsonDepth('["[[[[[[", "\\"[[[["]', 1)), undefined);
    assert.equal(codeOf(() => parseJsonText('['.repeat(100_000))), 'BAD_REQUEST');
    assert.equal(valueDepth({ a: [{ b: 1 }] }), 3);
    assert.equal(valueDepth(JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`), 64), 65);
  });

  it('a JSON syntax error says where, never quoting the engine', () => {
    const error = (() => { try { parseJsonText('{"a": nope}'); } catch (caught) { return caught as StrataError; } })()!;
    assert.equal(error.code, 'BAD_REQUEST');
    assert.doesNotMatch(error.message, /Unexpected token|SyntaxError/);
  });

  it('entity-tag lists: * alone or quoted tags; anything else is BAD_REQUEST', () => {
    assert.deepEqual(parseEntityTags('*'), ['*']);
    assert.deepEqual(parseEntityTags('"a", W/"b"'), ['"a"', 'W/"b"']);
    for (const header of ['W/*', '*, "x"', 'garbage', '', '"a" "b"', '"a\\"b"']) assert.equal(codeOf(() => parseEntityTags(header)), 'BAD_REQUEST', header);
  });

  it('a client is told at most 50 errors, how many more, and a bounded detail', () => {
    const errors = Array.from({ length: 120 }, (_, index) => ({ path: `f${index}`, message: `f${index} is wrong`, constraint: 'x' }));
    const facts = clientFacts(StrataError.validation(errors));
    assert.equal(facts.errors.length, 50);
    assert.equal(facts.moreErrors, 70);
    assert.match(facts.detail, /\(and 70 more\)$/);
    assert.ok(clientFacts(StrataError.badQuery('x'.repeat(100_000))).detail.length <= 2001);
    assert.equal(clientFacts(StrataError.badQuery('one')).moreErrors, undefined);
  });

  it('SQL in log lines keeps its statement and loses its values', () => {
    const line = "insert into `specimens` (`id`, `email`, `age`) values ('01J…', 'ada@example.com', 36) - SQLITE_CONSTRAINT: UNIQUE constraint failed";
    const shown = withoutSqlValues(line);
    assert.doesNotMatch(shown, /ada@example\.com|36\)/);
    assert.match(shown, /insert into `specimens` \(`id`, `email`, `age`\) values \('\?', '\?', \?\) - SQLITE_CONSTRAINT/);
    assert.equal(withoutSqlValues('duplicate key value violates unique constraint "x" Key (email)=(ada@example.com) already exists'), 'duplicate key value violates unique constraint "x" Key (email)=(?) already exists');
  });

  it('the id grammar: what UUIDv7 makes, nothing that reads as a route or a path', () => {
    for (const id of ['01932c6e-7f3a-7b9e-8c1d-123456789abc', 'a', 'A.b_c~d-1']) assert.ok(ID_PATTERN.test(id), id);
    for (const id of ['', '_count', '.', '..', '../../etc', 'a/b', 'a b', 'x'.repeat(201), 'a:1', '\u0000']) assert.ok(!ID_PATTERN.test(id), id);
  });

  it('normalize: lowercase, NFC and NFKC with case folding; non-strings pass through', () => {
    assert.equal(normalizeIndexValue('lowercase', 'ADA@Example.COM'), 'ada@example.com');
    assert.equal(normalizeIndexValue('nfc', 'e\u0301'), '\u00e9');
    assert.equal(normalizeIndexValue('nfkc-casefold', 'ＡＤＡ'), 'ada');
    assert.equal(normalizeIndexValue(undefined, 'ADA'), 'ADA');
    assert.equal(normalizeIndexValue('lowercase', 3), 3);
  });

  it('@Indexed({ normalize }) needs a string field and a known normalization', () => {
    @Resource()
    class Normalized {
      @Indexed({ normalize: 'lowercase' }) @Length(1, 10) name!: string;
      @Indexed({ normalize: 'lowercase' }) @IsInt() count!: number;
      @Indexed({ normalize: 'upper' as never }) @Length(1, 10) code!: string;
    }
    const { problems, models } = buildModels([Normalized]);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems.join('\n'), /Normalized\.count: @Indexed\(\{ normalize \}\)/);
    assert.match(problems.join('\n'), /Normalized\.code: @Indexed\(\{ normalize \}\)/);
    assert.equal(models[0]?.fields.find((field) => field.name === 'name')?.normalize, 'lowercase');
  });
});

import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsDateString, IsEmail, IsEnum, IsIn, IsInt, IsNumber, IsOptional, IsString, Length } from 'class-validator';
import { Indexed, Ref, Resource } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { operatorsFor, parseQuery, queryableFields, type Condition, type FieldCondition, type QueryableField } from '../../lib/query/index.js';
import { isStrataError, type StrataError } from '../../lib/errors/StrataError.js';

enum Color { Red = 'red', Green = 'green' }

@Resource()
class Team {
  @IsString() title!: string;
}

@Resource()
class Person {
  @Indexed({ text: true }) @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() age?: number;
  @Indexed() @IsOptional() @IsNumber() score?: number;
  @Indexed() @IsOptional() @IsBoolean() active?: boolean;
  @Indexed() @IsOptional() @IsDateString() birthday?: string;
  @Indexed() @IsOptional() @IsEnum(Color) color?: Color;
  @Indexed() @IsOptional() @IsIn([1, 2, 3]) priority?: number;
  @Ref(() => Team, { optional: true }) teamId?: string;
  @IsOptional() @IsString() bio?: string;
}

const built = buildModels([Person, Team]);
assert.deepEqual(built.problems, []);
const [person, team] = built.models;
const limits = { defaultLimit: 20, maxLimit: 100 };
const parse = (input: unknown) => parseQuery(person, input, limits);
/** The children of an and/or node. */
const children = (node: Condition | undefined) => (node as { conditions: readonly Condition[] }).conditions;
/** The single field test a `where` parses to, with the field by name. */
const simple = (where: unknown) => {
  const node = parse({ where }).where as FieldCondition;
  return { field: node.field.name, operator: node.operator, value: node.value };
};

/** Runs `run`, expecting a BAD_QUERY; returns it for further checks. */
function badQuery(run: () => unknown, ...expected: (string | RegExp)[]): StrataError {
  try {
    run();
  } catch (error) {
    assert.ok(isStrataError(error), `expected a StrataError, got ${String(error)}`);
    assert.equal(error.code, 'BAD_QUERY');
    assert.equal(error.status, 400);
    assert.ok(error.errors.length > 0);
    for (const detail of error.errors) assert.ok(detail.path && detail.message && detail.constraint);
    for (const text of expected) {
      if (typeof text === 'string') assert.ok(error.message.includes(text), `"${error.message}" should mention "${text}"`);
      else assert.match(error.message, text);
    }
    return error;
  }
  assert.fail('expected a BAD_QUERY error');
}

describe('queryableFields', () => {
  const fields = queryableFields(person);
  it('allows id, indexed fields and _meta fields, with columns and kinds', () => {
    assert.deepEqual([...fields.keys()], [
      'id', 'name', 'email', 'age', 'score', 'active', 'birthday', 'color', 'priority', 'teamId',
      '_meta.createdAt', '_meta.updatedAt', '_meta.createdBy', '_meta.updatedBy', '_meta.status',
    ]);
    assert.deepEqual(fields.get('teamId'), { name: 'teamId', column: 'team_id', kind: 'string' });
    assert.deepEqual(fields.get('color'), { name: 'color', column: 'color', kind: 'enum', values: ['red', 'green'] });
    assert.deepEqual(fields.get('_meta.createdAt'), { name: '_meta.createdAt', column: '_created_at', kind: 'date', neverNull: true });
    assert.deepEqual(fields.get('_meta.status'), { name: '_meta.status', column: '_status', kind: 'enum', values: ['stable', 'draft'], neverNull: true });
    assert.equal(fields.get('bio'), undefined, 'fields without @Indexed have no column');
  });
  it('is cached per model and takes extra fields', () => {
    assert.equal(queryableFields(person), fields);
    const jobFields: QueryableField[] = [{ name: '_job.status', column: '_job_status', kind: 'enum', values: ['queued', 'done'] }];
    const withJobs = queryableFields(person, jobFields);
    assert.equal(queryableFields(person, jobFields), withJobs);
    assert.equal(withJobs.get('_job.status')?.column, '_job_status');
    assert.equal(parseQuery(person, { where: { '_job.status': 'done' } }, limits, jobFields).where?.kind, 'field');
  });
});

describe('parseQuery: values are coerced by kind', () => {
  it('integer', () => {
    assert.deepEqual(simple({ age: '18' }), { field: 'age', operator: 'eq', value: 18 });
    assert.equal(simple({ age: -3 }).value, -3);
    badQuery(() => parse({ where: { age: '1.5' } }), 'where.age', 'age takes a whole number, got "1.5"');
    badQuery(() => parse({ where: { age: 1.5 } }), 'whole number');
    badQuery(() => parse({ where: { age: '' } }), 'whole number');
    badQuery(() => parse({ where: { age: '0x10' } }), 'whole number');
  });
  it('number', () => {
    assert.equal(simple({ score: '1.5' }).value, 1.5);
    assert.equal(simple({ score: '-2e3' }).value, -2000);
    badQuery(() => parse({ where: { score: 'abc' } }), 'score takes a number');
    badQuery(() => parse({ where: { score: 'Infinity' } }), 'score takes a number');
  });
  it('boolean', () => {
    for (const [input, value] of [[true, true], ['true', true], ['1', true], [false, false], ['false', false], ['0', false]]) {
      assert.equal(simple({ active: input }).value, value);
    }
    badQuery(() => parse({ where: { active: 'yes' } }), 'active takes true or false');
    badQuery(() => parse({ where: { active: 1 } }), 'active takes true or false');
  });
  it('date: any ISO-8601 form, normalized as stored', () => {
    assert.equal(simple({ birthday: '2024-01-02' }).value, '2024-01-02T00:00:00.000Z');
    assert.equal(simple({ birthday: '2024-01-02T10:00:00+02:00' }).value, '2024-01-02T08:00:00.000Z');
    assert.equal(simple({ birthday: '2024-01-02T10:00' }).value, '2024-01-02T10:00:00.000Z', 'no offset means UTC');
    assert.equal(simple({ '_meta.createdAt': new Date('2024-05-01T00:00:00Z') }).value, '2024-05-01T00:00:00.000Z');
    for (const invalid of ['yesterday', '2024-02-30', '2024-13-01', '2024-01-01T25:00Z', '1704067200000']) {
      badQuery(() => parse({ where: { birthday: invalid } }), 'birthday takes an ISO-8601 date');
    }
  });
  it('enum, numeric enum values from query strings', () => {
    assert.equal(simple({ color: 'red' }).value, 'red');
    assert.equal(simple({ priority: '2' }).value, 2);
    assert.equal(simple({ priority: 3 }).value, 3);
    badQuery(() => parse({ where: { color: 'blue' } }), 'color takes one of red, green, got "blue"');
    badQuery(() => parse({ where: { priority: '4' } }), 'one of 1, 2, 3');
    badQuery(() => parse({ where: { '_meta.status': 'gone' } }), 'one of stable, draft');
  });
  it('string (numbers from JSON bodies become text)', () => {
    assert.equal(simple({ name: 'Ada' }).value, 'Ada');
    assert.equal(simple({ name: 42 }).value, '42');
    badQuery(() => parse({ where: { name: { eq: { nested: 1 } } } }), 'name takes a string');
  });
});

describe('parseQuery: operators', () => {
  it('comparisons', () => {
    for (const operator of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte']) {
      assert.deepEqual(simple({ age: { [operator]: '7' } }), { field: 'age', operator, value: 7 });
    }
  });
  it('in and nin take arrays or comma-separated strings', () => {
    assert.deepEqual(simple({ age: { in: '1,2,3' } }).value, [1, 2, 3]);
    assert.deepEqual(simple({ age: { nin: ['4', 5] } }), { field: 'age', operator: 'nin', value: [4, 5] });
    assert.deepEqual(simple({ color: { in: [] } }).value, []);
    assert.deepEqual(simple({ name: { in: '' } }).value, []);
    badQuery(() => parse({ where: { age: { in: '1,x' } } }), 'where.age.in[1]');
    badQuery(() => parse({ where: { age: { in: 5 } } }), 'takes a list');
    badQuery(() => parse({ where: { age: [1, 2] } }), 'use {"in": [...]}');
  });
  it('text operators on string and enum fields', () => {
    for (const operator of ['contains', 'startsWith', 'endsWith']) {
      assert.deepEqual(simple({ name: { [operator]: 'a*%_' } }), { field: 'name', operator, value: 'a*%_' });
    }
    assert.equal(simple({ color: { startsWith: 'r' } }).operator, 'startsWith');
    badQuery(() => parse({ where: { name: { contains: '' } } }), 'non-empty string');
  });
  it('exists and isNull take booleans; null means isNull', () => {
    assert.deepEqual(simple({ age: { exists: 'true' } }), { field: 'age', operator: 'exists', value: true });
    assert.deepEqual(simple({ age: { isNull: false } }), { field: 'age', operator: 'isNull', value: false });
    assert.deepEqual(simple({ age: null }), { field: 'age', operator: 'isNull', value: true });
    assert.deepEqual(simple({ age: { eq: null } }), { field: 'age', operator: 'isNull', value: true });
    assert.deepEqual(simple({ age: { ne: null } }), { field: 'age', operator: 'exists', value: true });
    badQuery(() => parse({ where: { age: { exists: 'maybe' } } }), 'takes true or false');
  });
  it('several operators on one field are ANDed', () => {
    const node = parse({ where: { age: { gte: '18', lt: '65' } } }).where!;
    assert.equal(node.kind, 'and');
    assert.deepEqual(children(node).map((child) => (child as FieldCondition).operator), ['gte', 'lt']);
  });
  it('refuses range operators on booleans and enums, listing what the field takes', () => {
    const error = badQuery(() => parse({ where: { active: { gt: true } } }), 'gt does not apply to boolean fields', 'active (boolean) takes eq, ne, in, nin, exists, isNull');
    assert.deepEqual(error.errors[0], { path: 'where.active.gt', message: error.message, constraint: 'operatorNotAllowed' });
    badQuery(() => parse({ where: { color: { lte: 'red' } } }), 'color (enum) takes eq, ne, in, nin, contains, startsWith, endsWith, exists, isNull');
  });
  it('lists the operators of each kind', () => {
    assert.deepEqual(operatorsFor('boolean'), ['eq', 'ne', 'in', 'nin', 'exists', 'isNull']);
    assert.deepEqual(operatorsFor('date'), ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists', 'isNull']);
  });
  it('refuses text operators on numbers and dates', () => {
    badQuery(() => parse({ where: { age: { contains: '1' } } }), 'age (integer) takes eq, ne, gt, gte, lt, lte, in, nin, exists, isNull');
    badQuery(() => parse({ where: { birthday: { startsWith: '2024' } } }), 'startsWith does not apply to date fields');
  });
  it('refuses unknown operators, listing the allowed ones', () => {
    const error = badQuery(() => parse({ where: { name: { like: 'x' } } }), 'unknown operator "like"', 'name (string) takes eq, ne, gt, gte, lt, lte, in, nin, contains, startsWith, endsWith, exists, isNull');
    assert.equal(error.errors[0].constraint, 'unknownOperator');
    badQuery(() => parse({ where: { name: {} } }), 'names no operator');
  });
  it('refuses unknown and unindexed fields, listing the allowed ones', () => {
    const allowed = 'id, name, email, age, score, active, birthday, color, priority, teamId, _meta.createdAt, _meta.updatedAt, _meta.createdBy, _meta.updatedBy, _meta.status';
    const error = badQuery(() => parse({ where: { bio: 'x' } }), 'unknown field "bio"', allowed);
    assert.deepEqual(error.errors[0], { path: 'where', message: `where: unknown field "bio"; filter on ${allowed}`, constraint: 'unknownField' });
    badQuery(() => parse({ where: { '_meta.hash': 'x' } }), 'unknown field "_meta.hash"');
  });
});

describe('parseQuery: and, or, not', () => {
  it('builds the tree; several keys are ANDed', () => {
    const where = parse({ where: { or: [{ age: 1 }, { not: { name: 'x' } }], color: 'red' } }).where!;
    assert.equal(where.kind, 'and');
    const [or, color] = children(where);
    assert.equal(or.kind, 'or');
    assert.equal(children(or)[1].kind, 'not');
    assert.equal(color.kind, 'field');
  });
  it('accepts and/or as objects with numeric keys (as qs parses and[0][age]=1)', () => {
    const where = parse({ where: { and: { 1: { name: 'b' }, 0: { age: '1' } } } }).where;
    assert.equal(where?.kind, 'and');
    assert.deepEqual(children(where).map((child) => (child as FieldCondition).field.name), ['age', 'name']);
    badQuery(() => parse({ where: { or: { first: { age: 1 } } } }), 'where.or: must be a list');
    badQuery(() => parse({ where: { not: [{ age: 1 }] } }), 'where.not: must be an object');
  });
  it('keeps empty groups: and [] is always true, or [] always false', () => {
    assert.deepEqual(parse({ where: { or: [] } }).where, { kind: 'or', conditions: [] });
    assert.deepEqual(parse({ where: {} }).where, { kind: 'and', conditions: [] });
  });
  it('reads filter as JSON, and refuses both filter and where, bad JSON and deep nesting', () => {
    assert.equal(parse({}).where, undefined);
    assert.equal((parse({ filter: '{"age":{"gte":18}}' }).where as { value: number }).value, 18);
    assert.equal((parse({ where: '{"age":3}' }).where as { value: number }).value, 3);
    badQuery(() => parse({ filter: '{age:', where: {} }), 'give where or filter, not both');
    badQuery(() => parse({ filter: '{age:' }), 'filter: not valid JSON');
    let deep: unknown = { age: 1 };
    for (let level = 0; level < 12; level++) deep = { not: deep };
    badQuery(() => parse({ where: deep }), 'nests deeper than');
  });
  it('never looks field names up through Object.prototype', () => {
    for (const name of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
      badQuery(() => parse({ where: JSON.parse(`{"${name}": {"eq": 1}}`) }), `unknown field "${name}"`);
      badQuery(() => parse({ sort: name }), `cannot sort by "${name}"`);
      badQuery(() => parse({ fields: name }), `unknown field "${name}"`);
      badQuery(() => parse({ where: { age: JSON.parse(`{"${name}": 1}`) } }), `unknown operator "${name}"`);
    }
    badQuery(() => parse(JSON.parse('{"__proto__": {"limit": 1}}')), 'unknown parameter "__proto__"');
  });
});

describe('parseQuery: sort', () => {
  const sortOf = (sort: unknown) => parse({ sort }).sort.map((key) => `${key.descending ? '-' : ''}${key.field.name}`);
  it('defaults to creation order', () => assert.deepEqual(sortOf(undefined), ['_meta.createdAt', 'id']));
  it('takes strings or arrays, - for descending, and ends with id in the direction of the last key', () => {
    assert.deepEqual(sortOf('-age,name'), ['-age', 'name', 'id']);
    assert.deepEqual(sortOf(['_meta.updatedAt', '-score']), ['_meta.updatedAt', '-score', '-id']);
    assert.deepEqual(sortOf('-id'), ['-id']);
    assert.deepEqual(sortOf('age,-id'), ['age', '-id']);
    assert.deepEqual(sortOf(''), ['_meta.createdAt', 'id']);
  });
  it('refuses unknown, unindexed and repeated fields', () => {
    badQuery(() => sortOf('bio'), 'sort: cannot sort by "bio"; sort by id, name, email');
    badQuery(() => sortOf('age,-age'), 'sort: names age twice');
    badQuery(() => sortOf('age,,name'), 'cannot sort by ""');
    badQuery(() => sortOf({ age: 'desc' }), 'sort: takes a comma-separated string or a list');
  });
});

describe('parseQuery: paging and the other parameters', () => {
  it('limit and offset', () => {
    assert.equal(parse({}).limit, 20);
    assert.equal(parse({}).offset, 0);
    assert.equal(parse({ limit: '100', offset: '40' }).limit, 100);
    assert.equal(parse({ limit: 0 }).limit, 0);
    assert.equal(parse({ offset: 7 }).offset, 7);
    const error = badQuery(() => parse({ limit: 101 }), 'limit: at most 100, got 101');
    assert.equal(error.errors[0].constraint, 'maxLimit');
    for (const bad of ['-1', '1.5', 'ten', -1, 2.5]) badQuery(() => parse({ limit: bad }), 'limit: takes a whole number of at least 0');
    badQuery(() => parse({ offset: '-5' }), 'offset: takes a whole number');
  });
  it('refuses offset together with cursor, and empty cursors', () => {
    badQuery(() => parse({ offset: '0', cursor: 'abc' }), 'offset: cannot be combined with cursor');
    badQuery(() => parse({ cursor: '' }), 'cursor: takes a non-empty string');
  });
  it('q needs text fields', () => {
    assert.equal(parse({ q: ' hello world ' }).q, 'hello world');
    badQuery(() => parse({ q: '  ' }), 'q: takes a non-empty string');
    badQuery(() => parseQuery(team, { q: 'x' }, limits), 'Team has no full-text searchable field');
  });
  it('fields: any model field; id and _meta are always returned', () => {
    assert.deepEqual(parse({ fields: 'name,bio,id,_meta,name' }).fields, ['name', 'bio']);
    assert.deepEqual(parse({ fields: ['email'] }).fields, ['email']);
    assert.equal(parse({}).fields, undefined);
    badQuery(() => parse({ fields: 'name,secret' }), 'fields: unknown field "secret"; Person has name, email, age');
  });
  it('deleted and total', () => {
    assert.equal(parse({}).deleted, 'exclude');
    assert.equal(parse({ deleted: 'include' }).deleted, 'include');
    assert.equal(parse({ deleted: 'only' }).deleted, 'only');
    badQuery(() => parse({ deleted: 'all' }), 'deleted: takes include, only or exclude');
    assert.equal(parse({}).total, false);
    assert.equal(parse({ total: 'true' }).total, true);
    assert.equal(parse({ total: '0' }).total, false);
    badQuery(() => parse({ total: 'yes' }), 'total: takes true or false');
  });
  it('refuses unknown parameters and non-object input; null parameters count as absent', () => {
    badQuery(() => parse({ page: 2 }), 'unknown parameter "page"; use where, filter, sort, limit, offset, cursor, q, fields, deleted, total');
    badQuery(() => parse('age=1'), 'query: must be an object of parameters');
    assert.equal(parse({ limit: null, where: null }).limit, 20);
    assert.equal(parse(undefined).limit, 20);
  });
  it('reports every problem at once', () => {
    const error = badQuery(() => parse({ where: { bio: 1, age: 'x' }, sort: 'nope', limit: 1000, extra: 1 }));
    assert.deepEqual(error.errors.map((detail) => detail.path).sort(), ['extra', 'limit', 'sort', 'where', 'where.age']);
  });
});

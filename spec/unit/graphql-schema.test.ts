import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  IsBoolean, IsEmail, IsEnum, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Length, Min, ValidateNested,
} from 'class-validator';
import { buildSchema, parse, printSchema, validate, validateSchema, type GraphQLSchema } from 'graphql';
import { Field, Indexed, Ref, Resource, Versioned } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import type { ResourceManager, ResourceModel } from '../../lib/index.js';
import { plainInput, whereInput } from '../../plugins/graphql/arguments.js';
import { aliasLimitRule, depthLimitRule, queryComplexity } from '../../plugins/graphql/limits.js';
import { enumValueNames } from '../../plugins/graphql/names.js';
import { resolveGraphQLOptions } from '../../plugins/graphql/options.js';
import { buildStrataSchema } from '../../plugins/graphql/schema.js';

/** Committed SDL of the schema below, read from the repository (tests run from dist/). */
const SNAPSHOT = fileURLToPath(new URL('../../../spec/snapshots/graphql-schema.graphql', import.meta.url));
const LIMITS = { defaultLimit: 20, maxLimit: 1000 };

enum Priority { Low, Normal, High }
enum Audience { Everyone = 'everyone', Members = 'members' }

class Address {
  @Length(1, 100) street!: string;
  @IsOptional() @Length(1, 50) city?: string;
  @IsOptional() @IsString({ each: true }) lines?: string[];
}

/** A writer. */
@Resource({ description: 'A writer of articles.' })
class Author {
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @Length(1, 100) name!: string;
  @IsOptional() @Length(0, 2000) bio?: string;
}

/** Every kind of field, versioned with drafts. */
@Resource()
@Versioned({ drafts: true })
class Article {
  @Indexed({ text: true }) @Length(1, 200) title!: string;
  @Ref(() => Author) @Indexed() authorId!: string;
  @Indexed() @IsEnum(Priority) priority!: Priority;
  @Indexed() @IsOptional() @IsEnum(Audience) audience?: Audience;
  @Indexed() @IsOptional() @IsInt() @Min(0) views?: number;
  @Indexed() @IsOptional() @IsNumber() rating?: number;
  @Indexed() @IsOptional() @IsBoolean() featured?: boolean;
  @Indexed() @IsOptional() @IsISO8601() publishedAt?: string;
  @IsOptional() @IsString({ each: true }) tags?: string[];
  @IsOptional() @IsIn(['in-progress', 'done', '2nd draft']) stage?: string;
  @Field(() => Address) @IsOptional() @ValidateNested() address?: Address;
  @Field(() => [Address]) @IsOptional() @ValidateNested({ each: true }) mirrors?: Address[];
  @Field('json', { optional: true, description: 'Free-form settings.' }) settings?: Record<string, unknown>;
  @Field(() => ['json'], { optional: true }) blocks?: unknown[];
}

function models(...classes: Function[]): ResourceModel[] {
  const built = buildModels(classes);
  assert.deepEqual(built.problems, []);
  return built.models;
}

function schemaOf(resources: readonly ResourceModel[]): GraphQLSchema {
  const built = buildStrataSchema(resources, LIMITS, () => assert.fail('no manager is called while building') as ResourceManager);
  assert.deepEqual(built.problems, []);
  assert.ok(built.schema);
  return built.schema;
}

describe('GraphQL schema', () => {
  const schema = schemaOf(models(Author, Article));
  const sdl = printSchema(schema);

  it('prints SDL that builds into a valid schema', () => {
    assert.deepEqual(validateSchema(schema), []);
    const rebuilt = buildSchema(sdl);
    assert.deepEqual(validateSchema(rebuilt), []);
    assert.equal(printSchema(rebuilt), sdl);
  });

  it('matches the committed SDL snapshot (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) {
      mkdirSync(dirname(SNAPSHOT), { recursive: true });
      writeFileSync(SNAPSHOT, `${sdl}\n`);
    }
    assert.equal(`${sdl}\n`, readFileSync(SNAPSHOT, 'utf8'), 'the schema changed; review the difference and run the tests with UPDATE_SNAPSHOTS=1 to accept it');
  });
});

describe('GraphQL schema: names', () => {
  it('reports names two definitions would share, naming both and the fix', () => {
    @Resource()
    class Item { @IsString() label!: string; }
    @Resource({ name: 'Items', path: 'item-sets' })
    class ItemSet { @IsString() label!: string; }
    class Revision { @IsString() note!: string; }
    @Resource()
    class Shelf { @Field(() => Revision) @ValidateNested() latest!: Revision; }

    const built = buildStrataSchema(models(Item, ItemSet, Shelf), LIMITS, () => assert.fail('unused'));
    assert.equal(built.schema, undefined);
    assert.deepEqual(built.problems, [
      'nested class Revision: the GraphQL name "Revision" is already used by a built-in Strata type; rename the class',
      'the items query of resource Items: the GraphQL name "items" is already used by the items query of resource Item; rename a resource with @Resource({ name })',
    ]);
  });

  it('shares one enum type among the fields that use the same enum', () => {
    @Resource()
    class Poster {
      @Indexed() @IsEnum(Priority) priority!: Priority;
      @IsOptional() @IsEnum(Priority) fallback?: Priority;
    }
    const schema = schemaOf(models(Poster));
    const poster = schema.getType('Poster') as import('graphql').GraphQLObjectType;
    assert.equal(String(poster.getFields().fallback.type), 'PosterPriority');
    assert.equal(String(poster.getFields().priority.type), 'PosterPriority!');
  });
});

describe('GraphQL schema: enum value names', () => {
  it('uses the enum object\'s keys, and makes names of other values', () => {
    assert.deepEqual(enumValueNames(['admin', 'editor'], { Admin: 'admin', Editor: 'editor' }), ['Admin', 'Editor']);
    assert.deepEqual(enumValueNames([0, 1], Priority), ['Low', 'Normal']);
    assert.deepEqual(enumValueNames(['in-progress', '2nd', 'true', 'a b', 'a_b', 7]), ['in_progress', '_2nd', 'true_', 'a_b', 'a_b_2', '_7']);
  });
});

describe('GraphQL arguments', () => {
  it('flattens _meta groups into dotted names and translates and/or/not, dropping fields given as null', () => {
    class WhereInput { constructor(values: object) { Object.assign(this, values); } }
    const where = new WhereInput({
      age: { gte: 18, lt: undefined }, name: null,
      _meta: { status: { eq: 'draft' }, createdBy: null },
      or: [new WhereInput({ email: { eq: null } }), null], not: new WhereInput({ id: { in: ['a', 'b'] } }), and: null,
    });
    assert.deepEqual(whereInput(where), {
      age: { gte: 18 }, '_meta.status': { eq: 'draft' }, or: [{ email: { eq: null } }], not: { id: { in: ['a', 'b'] } },
    });
    assert.equal(whereInput(null), undefined);
  });

  it('copies input instances into plain data, keeping a __proto__ key as data for the manager to refuse', () => {
    const json = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as object;
    const plain = plainInput({ settings: json, list: [{ a: 1, b: undefined }] }) as Record<string, any>;
    assert.equal(Object.getPrototypeOf(plain.settings), Object.prototype);
    assert.ok(Object.hasOwn(plain.settings, '__proto__'));
    assert.deepEqual(Object.keys(plain.settings), ['__proto__', 'ok']);
    assert.deepEqual(plain.list, [{ a: 1 }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('GraphQL limits', () => {
  const schema = schemaOf(models(Author, Article));
  const errorsOf = (query: string, rules: ReturnType<typeof depthLimitRule>[]) => validate(schema, parse(query), rules).map((error) => error.extensions);

  it('measures depth with fragments expanded, however often they are spread', () => {
    const query = `query { articles { ...Page ...Page } } fragment Page on ArticlePage { items { ...Item } } fragment Item on Article { address { street } }`;
    assert.deepEqual(errorsOf(query, [depthLimitRule(4)]), []);
    assert.deepEqual(errorsOf(query, [depthLimitRule(3)]), [{ code: 'BAD_REQUEST', limit: 'maxDepth', maximum: 3, actual: 4 }]);
  });

  it('counts aliases with fragments expanded, and survives fragment cycles and unknown fragments', () => {
    const query = `query { ...Two ...Two x: authors { total } } fragment Two on Query { a: authors { total } b: authors { total } }`;
    assert.deepEqual(errorsOf(query, [aliasLimitRule(5)]), []);
    assert.deepEqual(errorsOf(query, [aliasLimitRule(4)]), [{ code: 'BAD_REQUEST', limit: 'maxAliases', maximum: 4, actual: 5 }]);
    assert.deepEqual(errorsOf('query { ...A ...Missing } fragment A on Query { ...A a: authors { total } }', [aliasLimitRule(1), depthLimitRule(2)]), []);
  });

  it('costs objects 1 and scalars 0, and multiplies pages by limit (the default when left out, at most the maximum)', () => {
    const cost = (query: string, variables?: Record<string, unknown>) => queryComplexity(schema, parse(query), variables, undefined);
    assert.equal(cost('{ authors { total } }'), 1);
    assert.equal(cost('{ authors(limit: 10) { items { name _meta { revision } } } }'), 1 + 10 * (1 + 1));
    assert.equal(cost('{ authors { items { name } } }'), 1 + 20 * 1);
    assert.equal(cost('query($n: Int) { authors(limit: $n) { items { revisions(limit: 5) { items { revision } } } } }', { n: 3 }), 1 + 3 * (1 + (1 + 5 * 1)));
    assert.equal(cost('{ authors(limit: 100000) { items { name } } }'), 1 + 1000);
    assert.throws(() => cost('query($n: Int!) { authors(limit: $n) { total } }'), /Variable "\$n" of required type "Int!" was not provided/);
  });
});

describe('GraphQL options', () => {
  it('applies defaults and turns introspection and GraphiQL off in production', () => {
    const development = resolveGraphQLOptions({}, {});
    assert.deepEqual({ ...development, problems: [...development.problems] }, {
      path: '/graphql', introspection: true, graphiql: true, bodyLimit: '1mb', problems: [], limits: { maxDepth: 15, maxComplexity: 10_000, maxAliases: 50 },
    });
    const production = resolveGraphQLOptions({}, { NODE_ENV: 'production' });
    assert.deepEqual([production.introspection, production.graphiql], [false, false]);
    assert.deepEqual([...resolveGraphQLOptions({ introspection: true }, { NODE_ENV: 'production' }).problems], []);
  });

  it('reports every option that does not fit', () => {
    assert.deepEqual([...resolveGraphQLOptions({ path: '/graphql/', maxComplexity: 1.5, maxAliases: -1, graphiql: true, introspection: false }, {}).problems], [
      'option path must be an absolute path such as /graphql, without a trailing slash; got /graphql/',
      'option graphiql needs introspection, which is off; set graphiql: false or introspection: true',
      'option maxComplexity must be a whole number of at least 1, got 1.5',
      'option maxAliases must be a whole number of at least 1, got -1',
    ]);
  });
});

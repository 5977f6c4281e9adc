import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { printSchema } from 'graphql';
import {
  bootstrap, BootstrapError, Field, Indexed, isStrataError, registerFieldType, Resource, resourceSchemas,
  type FieldTypeDefinition, type ResourceManager, type ResourceModel, type Strata,
} from '../../index.js';
import { buildStrataSchema } from '../../plugins/graphql/schema.js';

const SLUG = /^[a-z0-9-]+$/;
const SLUG_SCHEMA = { type: 'string', pattern: '^[a-z0-9-]+$' };

/** A scalar kind of its own, described once: a lowercase string of letters, digits and `-`, indexable, stored as text. */
const slug: FieldTypeDefinition = {
  name: 'slug',
  validate: (value) => (typeof value === 'string' && SLUG.test(value)
    ? { value }
    : { problem: 'must be a slug: lowercase letters, digits and -', constraint: 'isSlug' }),
  schema: { output: SLUG_SCHEMA },
  graphql: 'String',
  index: {
    column: { sqlite: 'text', postgresql: 'text' },
    coerce: (value) => (typeof value === 'string' && SLUG.test(value) ? value : undefined),
    expected: 'a slug (lowercase letters, digits and -)',
    filterSchema: SLUG_SCHEMA,
    ordered: true,
    textMatch: true,
  },
};

// Decorators only record, so the class may be declared before the kind is registered; bootstrap must come after.
@Resource()
class Article {
  @Length(1, 100) title!: string;
  @Indexed({ unique: true }) @Field('slug') slug!: string;
  @Field(() => ['slug'], { optional: true }) aliases?: string[];
}

describe('a scalar field type registered with registerFieldType', () => {
  let strata: Strata;
  let model: ResourceModel;
  let articles: ResourceManager<Article>;

  before(async () => {
    registerFieldType(slug);
    strata = await bootstrap(null, { resources: [Article], database: 'sqlite::memory:', plugins: [], defaultPlugins: false, logLevel: 'silent' });
    model = strata.models[0];
    articles = strata.manager(Article);
    for (const [title, value] of [['One', 'a-one'], ['Two', 'b-two'], ['Three', 'a-three']]) await articles.create({ title, slug: value });
  });
  after(async () => { await strata?.close(); });

  it('is named in @Field, alone or as an array element, and may be @Indexed', () => {
    const field = model.fieldsByName.get('slug')!;
    assert.deepEqual(field.type, { kind: 'slug' });
    assert.equal(field.indexed, true);
    assert.equal(field.column, 'slug');
    assert.deepEqual(model.fieldsByName.get('aliases')!.type, { kind: 'array', items: { kind: 'slug' } });
  });

  it('validates written values with the kind: VALIDATION_FAILED, every problem at its path', async () => {
    await assert.rejects(articles.create({ title: 'Bad', slug: 'Not A Slug', aliases: ['ok', 'NO'] }), (error: unknown) => {
      assert.ok(isStrataError(error));
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.deepEqual(error.errors, [
        { path: 'slug', message: 'slug must be a slug: lowercase letters, digits and -', constraint: 'isSlug' },
        { path: 'aliases[1]', message: 'aliases[1] must be a slug: lowercase letters, digits and -', constraint: 'isSlug' },
      ]);
      return true;
    });
    const created = await articles.create({ title: 'Good', slug: 'c-good', aliases: ['good'] });
    assert.equal(created.slug, 'c-good');
  });

  it('is filtered and sorted with where and sort, its filter values coerced by the kind', async () => {
    const titles = async (query: Parameters<typeof articles.list>[0]) => (await articles.list(query)).items.map((item) => item.title);
    assert.deepEqual(await titles({ where: { slug: 'b-two' } }), ['Two']);
    assert.deepEqual(await titles({ where: { slug: { startsWith: 'a-' } }, sort: '-slug' }), ['Three', 'One']);
    assert.deepEqual(await titles({ where: { slug: { gt: 'a-three' } }, sort: 'slug' }), ['Two', 'Good']);
    await assert.rejects(articles.list({ where: { slug: 'Not A Slug' } }), (error: unknown) => {
      assert.ok(isStrataError(error));
      assert.equal(error.code, 'BAD_QUERY');
      assert.equal(error.message, 'where.slug: slug takes a slug (lowercase letters, digits and -), got "Not A Slug"');
      return true;
    });
  });

  it('keeps values unique through its column', async () => {
    await assert.rejects(articles.create({ title: 'Again', slug: 'a-one' }), (error: unknown) => isStrataError(error) && error.code === 'UNIQUE_VIOLATION');
  });

  it('appears in the JSON Schemas of the resource, with the kind\'s own schema', () => {
    const schemas = resourceSchemas(model) as Record<string, { properties: Record<string, unknown> }>;
    assert.deepEqual(schemas.Article.properties.slug, SLUG_SCHEMA);
    assert.deepEqual(schemas.ArticleInput.properties.slug, SLUG_SCHEMA);
    assert.deepEqual(schemas.ArticleInput.properties.aliases, { type: ['array', 'null'], items: SLUG_SCHEMA });
  });

  it('gets its GraphQL type from its hint, and a filter input with the operators it takes', () => {
    const built = buildStrataSchema(strata.models, { defaultLimit: 20, maxLimit: 100 }, () => assert.fail('no manager is called while building'), { operations: () => [] });
    assert.deepEqual(built.problems, []);
    const sdl = printSchema(built.schema!);
    assert.match(sdl, /type Article \{[^}]*\n {2}slug: String!\n {2}aliases: \[String!\]\n/);
    assert.match(sdl, /input ArticleWhere \{[^}]*\n {2}slug: SlugFilter\n/);
    const filter = /input SlugFilter \{([^}]*)\}/.exec(sdl)?.[1] ?? '';
    assert.deepEqual([...filter.matchAll(/^ {2}(\w+):/gm)].map((match) => match[1]),
      ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'startsWith', 'endsWith', 'exists', 'isNull']);
  });

  it('registers once: the same definition again is a no-op, another one under its name a BootstrapError', () => {
    registerFieldType(slug);
    assert.throws(() => registerFieldType({ ...slug }), (error: unknown) => error instanceof BootstrapError && /"slug" is registered already/.test(error.message));
    assert.throws(() => registerFieldType({ ...slug, name: 'enum' }), (error: unknown) => error instanceof BootstrapError && /enum, object and array are built into Strata/.test(error.message));
  });

  it('makes a @Field name that nobody registered a bootstrap error', async () => {
    @Resource()
    class Page { @Field('permalink') permalink!: string; }

    await assert.rejects(bootstrap(null, { resources: [Page], database: 'sqlite::memory:', plugins: [], defaultPlugins: false, logLevel: 'silent' }),
      (error: unknown) => error instanceof BootstrapError
        && /^Page\.permalink: "permalink" is not a field type: .* registered with registerFieldType before bootstrap$/.test(error.problems[0]));
  });
});

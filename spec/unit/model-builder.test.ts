import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsArray, IsDate, IsEmail, IsEnum, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Length, Min } from 'class-validator';
import { Field, Indexed, Ref, Resource, Versioned } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import type { FieldModel, ResourceModel } from '../../lib/metadata/model.js';
import { BootstrapError } from '../../lib/errors/index.js';

/** Builds `classes` and returns the model of the first one, failing the test on any problem. */
function modelOf(...classes: Function[]): ResourceModel {
  const { models, problems } = buildModels(classes);
  assert.deepEqual(problems, []);
  return models[0];
}

/** The field `name` of `model`, failing the test when it is missing. */
function fieldOf(model: ResourceModel, name: string): FieldModel {
  const field = model.fieldsByName.get(name);
  assert.ok(field, `${model.name} has no field ${name}`);
  return field;
}

/** Builds `classes` and returns the one problem found, failing the test when there are more or none. */
function onlyProblem(...classes: Function[]): string {
  const { problems } = buildModels(classes);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.join('\n')}`);
  return problems[0];
}

enum Role { Admin = 'admin', Editor = 'editor' }
enum Priority { Low, Normal, High }

describe('model builder: derived names', () => {
  it('derives path, table and GraphQL names from the class name', () => {
    @Resource()
    class BlogPost { @IsString() title!: string; }

    const model = modelOf(BlogPost);
    assert.equal(model.name, 'BlogPost');
    assert.deepEqual(model.names, {
      singular: 'BlogPost',
      path: 'blog-posts',
      table: 'blog_posts_meta',
      graphql: {
        one: 'blogPost', many: 'blogPosts', type: 'BlogPost', input: 'BlogPostInput', patch: 'BlogPostPatch',
        where: 'BlogPostWhere', sort: 'BlogPostSort', page: 'BlogPostPage',
      },
    });
  });

  it('pluralizes English words: Category → categories, Box → boxes', () => {
    @Resource()
    class Category { @IsString() title!: string; }
    @Resource()
    class Box { @IsString() label!: string; }

    const { models, problems } = buildModels([Category, Box]);
    assert.deepEqual(problems, []);
    assert.deepEqual(models.map((model) => [model.names.path, model.names.table, model.names.graphql.many]), [
      ['categories', 'categories_meta', 'categories'],
      ['boxes', 'boxes_meta', 'boxes'],
    ]);
  });

  it('uses a custom path as given, without slashes around it', () => {
    @Resource({ path: '/people/' })
    class Person { @IsString() name!: string; }

    const model = modelOf(Person);
    assert.equal(model.names.path, 'people');
    assert.equal(model.names.table, 'persons_meta');
  });

  it('derives every other name from a custom name', () => {
    @Resource({ name: 'Article', description: 'A published text' })
    class ArticleEntity { @IsString() title!: string; }

    const model = modelOf(ArticleEntity);
    assert.equal(model.name, 'Article');
    assert.equal(model.description, 'A published text');
    assert.equal(model.names.path, 'articles');
    assert.equal(model.names.table, 'articles_meta');
    assert.equal(model.names.graphql.one, 'article');
    assert.equal(model.names.graphql.input, 'ArticleInput');
  });

  it('generates UUIDv7 ids by default and uses a custom generator when given', () => {
    @Resource()
    class Note { @IsString() text!: string; }
    let counter = 0;
    @Resource({ id: () => `memo-${++counter}` })
    class Memo { @IsString() text!: string; }

    const { models } = buildModels([Note, Memo]);
    assert.match(models[0].generateId(), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(models[1].generateId(), 'memo-1');
  });
});

describe('model builder: field types', () => {
  it('prefers class-validator over design:type', () => {
    @Resource()
    class Account {
      @IsInt() @Min(0) age!: number;
      @IsNumber() score!: number;
      @IsEmail() email!: string;
      @IsEnum(Role) role!: Role;
      @IsString({ each: true }) nicknames!: string[];
      @IsArray() @IsInt({ each: true }) luckyNumbers!: number[];
    }

    const model = modelOf(Account);
    assert.deepEqual(fieldOf(model, 'age').type, { kind: 'integer' });
    assert.deepEqual(fieldOf(model, 'score').type, { kind: 'number' });
    assert.deepEqual(fieldOf(model, 'email').type, { kind: 'string' });
    assert.deepEqual(fieldOf(model, 'role').type, { kind: 'enum', values: ['admin', 'editor'], enumObject: Role });
    assert.deepEqual(fieldOf(model, 'nicknames').type, { kind: 'array', items: { kind: 'string' } });
    assert.deepEqual(fieldOf(model, 'luckyNumbers').type, { kind: 'array', items: { kind: 'integer' } });
  });

  it('does not take @IsNotEmpty() for a string rule: it accepts any non-empty value', () => {
    @Resource()
    class Counter {
      @IsNotEmpty() @IsInt() count!: number;
      @IsNotEmpty() label!: string;
    }

    const model = modelOf(Counter);
    assert.deepEqual(fieldOf(model, 'count').type, { kind: 'integer' });
    assert.deepEqual(fieldOf(model, 'label').type, { kind: 'string' });
  });

  it('falls back to design:type for properties class-validator does not type', () => {
    @Resource()
    class Reading {
      @Indexed() @IsOptional() label?: string;
      @Indexed() value!: number;
      @Indexed() active!: boolean;
      @Indexed() takenAt!: Date;
    }

    const model = modelOf(Reading);
    assert.deepEqual(model.fields.map((field) => [field.name, field.type.kind]), [
      ['label', 'string'], ['value', 'number'], ['active', 'boolean'], ['takenAt', 'date'],
    ]);
  });

  it('takes @Field types over everything else', () => {
    class Address {
      @IsString() street!: string;
      @IsOptional() @IsInt() floor?: number;
    }
    @Resource()
    class Shop {
      @Field(() => [String]) tags!: string[];
      @Field('json') settings!: Record<string, unknown>;
      @Field('integer') stock!: number;
      @Field(() => Address) address!: Address;
      @Field(() => [Address]) branches!: Address[];
      @Field(() => Priority) priority!: Priority;
      @IsDate() @Field(() => Date) openedAt!: Date;
    }

    const model = modelOf(Shop);
    assert.deepEqual(fieldOf(model, 'tags').type, { kind: 'array', items: { kind: 'string' } });
    assert.deepEqual(fieldOf(model, 'settings').type, { kind: 'json' });
    assert.deepEqual(fieldOf(model, 'stock').type, { kind: 'integer' });
    assert.deepEqual(fieldOf(model, 'priority').type, { kind: 'enum', values: [0, 1, 2], enumObject: Priority });
    assert.deepEqual(fieldOf(model, 'openedAt').type, { kind: 'date' });

    const address = fieldOf(model, 'address').type;
    assert.equal(address.kind, 'object');
    assert.equal(address.target, Address);
    assert.deepEqual(address.fields.map((field) => [field.name, field.type.kind, field.optional]), [
      ['street', 'string', false], ['floor', 'integer', true],
    ]);
    const branches = fieldOf(model, 'branches').type;
    assert.ok(branches.kind === 'array' && branches.items.kind === 'object' && branches.items.target === Address);
  });

  it('reads a nested class from design:type when it is not an array', () => {
    class Dimensions { @IsNumber() width!: number; @IsNumber() height!: number; }
    @Resource()
    class Painting { @IsOptional() size?: Dimensions; }

    const size = fieldOf(modelOf(Painting), 'size');
    assert.equal(size.type.kind, 'object');
    assert.equal(size.optional, true);
  });

  it('inherits property decorators from base classes, but not @Resource or @Versioned', () => {
    @Versioned({ drafts: true })
    class Document {
      @Indexed({ unique: true }) @IsString() slug!: string;
      @Indexed() publishedOn!: Date;
    }
    @Resource()
    class Announcement extends Document {
      @IsString() title!: string;
    }

    const model = modelOf(Announcement);
    assert.deepEqual(model.fields.map((field) => [field.name, field.type.kind, field.indexed, field.unique]), [
      ['slug', 'string', true, true], ['publishedOn', 'date', true, false], ['title', 'string', false, false],
    ]);
    assert.equal(model.versioning.drafts, false);
    assert.equal(onlyProblem(Document), 'Document: not a resource; decorate it with @Resource()');
  });

  it('marks a field optional with @IsOptional() or { optional: true }', () => {
    @Resource()
    class Profile {
      @IsString() name!: string;
      @IsOptional() @IsString() bio?: string;
      @Field('json', { optional: true, nullable: true, description: 'Free-form settings' }) extras?: object;
    }

    const model = modelOf(Profile);
    assert.equal(fieldOf(model, 'name').optional, false);
    assert.equal(fieldOf(model, 'name').nullable, false);
    assert.equal(fieldOf(model, 'bio').optional, true);
    assert.equal(fieldOf(model, 'bio').nullable, true, '@IsOptional() accepts null as well');
    assert.equal(fieldOf(model, 'extras').optional, true);
    assert.equal(fieldOf(model, 'extras').nullable, true);
    assert.equal(fieldOf(model, 'extras').description, 'Free-form settings');
  });
});

describe('model builder: indexes and references', () => {
  it('gives indexed fields a snake_case column and their flags', () => {
    @Resource()
    class Member {
      @Indexed() @Length(1, 50) firstName!: string;
      @Indexed({ unique: true }) @IsEmail() email!: string;
      @Indexed({ text: true }) @IsString() biography!: string;
      @IsOptional() @IsString() notes?: string;
    }

    const model = modelOf(Member);
    const flags = (field: FieldModel) => [field.name, field.column, field.indexed, field.unique, field.text];
    assert.deepEqual(model.fields.map(flags), [
      ['firstName', 'first_name', true, false, false],
      ['email', 'email', true, true, false],
      ['biography', 'biography', true, false, true],
      ['notes', undefined, false, false, false],
    ]);
    assert.deepEqual(model.indexedFields.map((field) => field.name), ['firstName', 'email', 'biography']);
    assert.deepEqual(model.textFields.map((field) => field.name), ['biography']);
  });

  it('stores a @Ref as an indexed string id, restrict on delete by default', () => {
    @Resource()
    class Author { @IsString() name!: string; }
    @Resource()
    class Book {
      @Ref(() => Author) authorId!: string;
      @Ref(() => Author, { onDelete: 'setNull', optional: true }) editorId?: string;
    }

    const book = modelOf(Book, Author);
    const authorId = fieldOf(book, 'authorId');
    assert.deepEqual(authorId.type, { kind: 'string' });
    assert.equal(authorId.indexed, true);
    assert.equal(authorId.column, 'author_id');
    assert.deepEqual(authorId.ref, { target: Author, onDelete: 'restrict' });
    assert.deepEqual(fieldOf(book, 'editorId').ref, { target: Author, onDelete: 'setNull' });
    assert.equal(fieldOf(book, 'editorId').optional, true);
  });
});

describe('model builder: versioning and freezing', () => {
  it('defaults to no drafts, every revision kept, schema version 1', () => {
    @Resource()
    class Plain { @IsString() name!: string; }

    assert.deepEqual(modelOf(Plain).versioning, { drafts: false, retain: undefined, schemaVersion: 1, migrations: {} });
  });

  it('applies @Versioned options', () => {
    const toV2 = (data: Record<string, unknown>) => ({ ...data, title: data.name });
    @Resource()
    @Versioned({ drafts: true, retain: 10, schemaVersion: 2, migrations: { 2: toV2 } })
    class Page { @IsString() title!: string; }

    assert.deepEqual(modelOf(Page).versioning, { drafts: true, retain: 10, schemaVersion: 2, migrations: { 2: toV2 } });
  });

  it('freezes every model deeply', () => {
    class Coordinates { @IsNumber() lat!: number; @IsNumber() lng!: number; }
    @Resource()
    class Venue {
      @Indexed() @IsString() name!: string;
      @Field(() => Coordinates) location!: Coordinates;
    }

    const model = modelOf(Venue);
    const location = fieldOf(model, 'location');
    assert.ok(location.type.kind === 'object');
    for (const part of [model, model.names, model.names.graphql, model.fields, model.indexedFields, model.versioning,
      fieldOf(model, 'name'), location, location.type, location.type.fields, location.type.fields[0]]) {
      assert.ok(Object.isFrozen(part), `${JSON.stringify(part)} is not frozen`);
    }
    assert.throws(() => { (model as { name: string }).name = 'Other'; }, TypeError);
  });
});

describe('model builder: bootstrap problems', () => {
  it('reports the reserved names id, _meta, _job and any name beginning with _', () => {
    @Resource()
    class Ticket {
      @IsString() id!: string;
      @Field('json') _meta!: object;
      @Field('json') _job!: object;
      @IsString() _secret!: string;
    }

    const { problems } = buildModels([Ticket]);
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]), ['Ticket._meta', 'Ticket._job', 'Ticket.id', 'Ticket._secret']);
    for (const problem of problems) assert.match(problem, /is reserved .*; rename the property$/);
  });

  it('reports a property name that is not an identifier', () => {
    @Resource()
    class Odd { @IsString() 'first-name'!: string; }

    assert.match(onlyProblem(Odd), /^Odd\.first-name: property names must start with a letter .*; rename it$/);
  });

  it('reports a union typed property', () => {
    @Resource()
    class Setting { @IsOptional() value?: string | number; }

    assert.match(onlyProblem(Setting), /^Setting\.value: its type cannot be determined .*add @Field\(\(\) => Type\) or @Field\('json'\)$/);
  });

  it('reports a Record<string, unknown> property', () => {
    @Resource()
    class Preference { @IsOptional() options?: Record<string, unknown>; }

    assert.match(onlyProblem(Preference), /^Preference\.options: its type cannot be determined .*@Field\('json'\)$/);
  });

  it('reports an array without element type', () => {
    @Resource()
    class Gallery { @IsOptional() images?: string[]; }
    @Resource()
    class Playlist { @IsArray() songs!: string[]; }

    assert.match(onlyProblem(Gallery), /^Gallery\.images: its element type is unknown: add @Field\(\(\) => \[ElementType\]\)$/);
    assert.match(onlyProblem(Playlist), /^Playlist\.songs: its element type is unknown: add @Field\(\(\) => \[ElementType\]\) or a validator with \{ each: true \}$/);
  });

  it('reports a @Field type it does not understand', () => {
    @Resource()
    class Sheet {
      @Field(() => [String, Number]) cells!: unknown[];
      @Field(() => 42) size!: number;
    }

    const { problems } = buildModels([Sheet]);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^Sheet\.cells: write the element type as a one-element array, e\.g\. @Field\(\(\) => \[String\]\)$/);
    assert.match(problems[1], /^Sheet\.size: give @Field a type it understands: /);
  });

  it('reports @Indexed on json, array and object fields', () => {
    class Origin { @IsString() city!: string; }
    @Resource()
    class Parcel {
      @Indexed() @Field('json') payload!: object;
      @Indexed() @IsString({ each: true }) labels!: string[];
      @Indexed() @Field(() => Origin) origin!: Origin;
    }

    const { problems } = buildModels([Parcel]);
    assert.equal(problems.length, 3, problems.join('\n'));
    for (const [problem, property, kind] of [[problems[0], 'payload', 'json'], [problems[1], 'labels', 'array'], [problems[2], 'origin', 'object']]) {
      assert.match(problem, new RegExp(`^Parcel\\.${property}: @Indexed needs a single value .*, not ${kind}; remove @Indexed or store a scalar$`));
    }
  });

  it('reports @Indexed inside a nested class', () => {
    class Line { @Indexed() @IsString() sku!: string; }
    @Resource()
    class Order { @Field(() => [Line]) lines!: Line[]; }

    assert.match(onlyProblem(Order), /^Line\.sku: @Indexed works on resource fields only, not inside nested classes; remove it$/);
  });

  it('reports text: true on a non-string field', () => {
    @Resource()
    class Measurement { @Indexed({ text: true }) @IsInt() value!: number; }

    assert.match(onlyProblem(Measurement), /^Measurement\.value: @Indexed\(\{ text: true \}\) needs a string field; remove text: true or make it a string$/);
  });

  it('reports a @Ref to a class missing from resources', () => {
    @Resource()
    class Customer { @IsString() name!: string; }
    @Resource()
    class Invoice { @Ref(() => Customer) customerId!: string; }

    assert.match(onlyProblem(Invoice), /^Invoice\.customerId: @Ref points at Customer, which is not in bootstrap's resources; add it to resources$/);
  });

  it('reports a class without @Resource and a value that is not a class', () => {
    class Forgotten { @IsString() name!: string; }

    assert.equal(onlyProblem(Forgotten), 'Forgotten: not a resource; decorate it with @Resource()');
    assert.match(onlyProblem('Forgotten' as unknown as Function), /^resources: Forgotten is not a class; list the resource classes themselves$/);
  });

  it('reports a class listed twice', () => {
    @Resource()
    class Label { @IsString() text!: string; }

    assert.equal(onlyProblem(Label, Label), 'Label: listed more than once in resources; list it once');
  });

  it('reports a duplicate resource name, path and table', () => {
    @Resource({ name: 'Item' })
    class ShopItem { @IsString() name!: string; }
    @Resource({ name: 'Item', path: 'stock-items' })
    class StockItem { @IsString() name!: string; }
    @Resource({ path: 'entries' })
    class Entry { @IsString() name!: string; }
    @Resource({ path: 'entries' })
    class LogEntry { @IsString() name!: string; }
    @Resource({ name: 'Blog_post', path: 'legacy-posts' })
    class LegacyPost { @IsString() name!: string; }
    @Resource()
    class BlogPost { @IsString() name!: string; }

    const { problems } = buildModels([ShopItem, StockItem, Entry, LogEntry, LegacyPost, BlogPost]);
    assert.deepEqual(problems, [
      'StockItem: its name "Item" is already used by ShopItem; set @Resource({ name: … }) on one of them',
      'LogEntry: its path "entries" is already used by Entry; set @Resource({ path: … }) on one of them',
      'StockItem: its table "items_meta" is already used by ShopItem; set @Resource({ name: … }) on one of them',
      'BlogPost: its table "blog_posts_meta" is already used by LegacyPost; set @Resource({ name: … }) on one of them',
    ]);
  });

  it('reports a resource name that is not an identifier and a path that is not lowercase', () => {
    @Resource({ name: 'Blog Post', path: 'blog-posts' })
    class SpacedName { @IsString() title!: string; }
    @Resource({ path: 'Blog Posts' })
    class SpacedPath { @IsString() title!: string; }

    assert.match(onlyProblem(SpacedName), /^SpacedName: resource name "Blog Post" must start with a letter and hold only letters, digits and _; change @Resource\(\{ name \}\)$/);
    assert.match(onlyProblem(SpacedPath), /^SpacedPath: path "Blog Posts" must be lowercase letters, digits, - and _; change @Resource\(\{ path \}\)$/);
  });

  it('reports an invalid retain', () => {
    @Resource()
    @Versioned({ retain: 0 })
    class Draft { @IsString() text!: string; }
    @Resource()
    @Versioned({ retain: 2.5 })
    class Snapshot { @IsString() text!: string; }

    assert.equal(onlyProblem(Draft), 'Draft: @Versioned retain must be a whole number of at least 1 (or left out to keep every revision), got 0');
    assert.match(onlyProblem(Snapshot), /^Snapshot: @Versioned retain must be a whole number of at least 1 .*got 2\.5$/);
  });

  it('reports an invalid schemaVersion, missing migrations and migration keys out of range', () => {
    @Resource()
    @Versioned({ schemaVersion: 0 })
    class Zero { @IsString() text!: string; }
    @Resource()
    @Versioned({ schemaVersion: 3 })
    class Unmigrated { @IsString() text!: string; }
    const migrate = (data: Record<string, unknown>) => data;
    @Resource()
    @Versioned({ schemaVersion: 2, migrations: { 1: migrate, 2: migrate, 3: migrate } })
    class Overmigrated { @IsString() text!: string; }

    assert.match(onlyProblem(Zero), /^Zero: @Versioned schemaVersion must be a whole number of at least 1, got 0$/);
    assert.deepEqual(buildModels([Unmigrated]).problems, [
      'Unmigrated: @Versioned schemaVersion is 3 but migrations[2] (from 1 to 2) is missing; add it',
      'Unmigrated: @Versioned schemaVersion is 3 but migrations[3] (from 2 to 3) is missing; add it',
    ]);
    assert.deepEqual(buildModels([Overmigrated]).problems, [
      'Overmigrated: @Versioned migrations[1] does not fit schemaVersion 2; keys run from 2 to schemaVersion',
      'Overmigrated: @Versioned migrations[3] does not fit schemaVersion 2; keys run from 2 to schemaVersion',
    ]);
  });

  it('reports two fields sharing a column', () => {
    @Resource()
    class Widget {
      @Indexed() @IsString() fooBar!: string;
      @Indexed() @IsString() foo_bar!: string;
    }

    assert.equal(onlyProblem(Widget), 'Widget.foo_bar: its column "foo_bar" clashes with Widget.fooBar; rename one of them');
  });

  it('reports an indexed field whose column would be the id column', () => {
    @Resource()
    class Device { @Indexed() @IsString() ID!: string; }

    assert.equal(onlyProblem(Device), 'Device.ID: its column "id" is the resource id\'s column; rename the property');
  });

  it('reports a @Ref on a property that is not a string', () => {
    @Resource()
    class Tag { @IsString() name!: string; }
    @Resource()
    class Photo { @Ref(() => Tag) tagIds!: string[]; }

    assert.equal(onlyProblem(Photo, Tag), 'Photo.tagIds: @Ref stores one id, a string; declare the property as `string`');
  });

  it('reports a nested class without decorated properties', () => {
    class Blank { text?: string; }
    @Resource()
    class Letter {
      @Field(() => Blank) header!: Blank;
      @IsOptional() attachments?: Map<string, string>;
    }

    assert.deepEqual(buildModels([Letter]).problems, [
      'Letter.header: Blank has no decorated properties, so nothing of it would be stored; decorate its properties (e.g. @IsString()) or use @Field(\'json\')',
      'Letter.attachments: Map has no decorated properties, so nothing of it would be stored; decorate its properties (e.g. @IsString()) or use @Field(\'json\')',
    ]);
  });

  it('reports a resource class held as a field, directly or inside a nested class', () => {
    @Resource()
    class Company { @IsString() name!: string; }
    class Employment { @Field(() => Company) employer!: Company; }
    @Resource()
    class Worker {
      @Field(() => Company) company!: Company;
      @Field(() => Employment) employment!: Employment;
    }

    const expected = [
      'Worker.company: it holds a resource class; point at it with @Ref(() => Company) and an id field',
      'Employment.employer: it holds a resource class; point at it with @Ref(() => Company) and an id field',
    ];
    assert.deepEqual(buildModels([Company, Worker]).problems, expected);
    assert.deepEqual(buildModels([Worker]).problems, expected, 'a @Resource class is never embedded, listed or not');
  });

  it('reports a nested class that contains itself', () => {
    class TreeNode {
      @IsString() label!: string;
      @Field(() => [TreeNode]) children!: TreeNode[];
    }
    @Resource()
    class Tree { @Field(() => TreeNode) root!: TreeNode; }

    assert.equal(onlyProblem(Tree), 'TreeNode.children: TreeNode contains itself; store it as @Field(\'json\')');
  });

  it('reports a class compiled without emitDecoratorMetadata', () => {
    class Untyped { name!: string; }
    Resource()(Untyped);
    Indexed()(Untyped.prototype, 'name');

    assert.match(onlyProblem(Untyped), /^Untyped: no design:type metadata was emitted; set "emitDecoratorMetadata": true and "experimentalDecorators": true in tsconfig\.json and build with tsc/);
  });

  it('reports a missing reflect-metadata polyfill', () => {
    @Resource()
    class Anything { @IsString() name!: string; }
    const reflect = Reflect as { getMetadata?: unknown };
    const getMetadata = reflect.getMetadata;
    delete reflect.getMetadata;
    try {
      assert.equal(onlyProblem(Anything), 'Reflect.getMetadata is missing: add `import \'reflect-metadata\';` once, before your resources are imported');
    } finally {
      reflect.getMetadata = getMetadata;
    }
  });

  it('reports every problem of several broken classes together', () => {
    @Resource()
    class Comment {
      @IsString() id!: string;
      @IsOptional() body?: string | object;
    }
    class Orphan { @IsString() name!: string; }
    @Resource()
    class Emoji { @IsString() symbol!: string; }
    @Resource()
    @Versioned({ retain: -1 })
    class Reaction {
      @Indexed({ text: true }) @IsInt() count!: number;
      @Ref(() => Emoji) emojiId!: string;
    }

    const { models, problems } = buildModels([Comment, Orphan, Reaction]);
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]), [
      'Comment.id', 'Comment.body', 'Orphan', 'Reaction.count', 'Reaction.emojiId', 'Reaction',
    ]);
    assert.deepEqual(models.map((model) => model.name), ['Comment', 'Reaction']);

    const error = new BootstrapError(problems);
    assert.equal(error.name, 'BootstrapError');
    assert.deepEqual(error.problems, problems);
    assert.equal(error.message.split('\n')[0], 'Strata cannot start, 6 problems:');
    for (const problem of problems) assert.ok(error.message.includes(`\n  - ${problem}`), `message misses ${problem}`);
  });
});

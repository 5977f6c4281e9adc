import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  IsBoolean, IsEmail, IsEnum, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Length, Min, ValidateNested,
} from 'class-validator';
import {
  buildSchema, parse, printSchema, printType, validate, validateSchema,
  type GraphQLEnumType, type GraphQLInputObjectType, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';
import { Field, Indexed, Job, Ref, Resource, Versioned } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { jsonResult, resourceResult, type OperationDefinition, type ResourceManager, type ResourceModel } from '../../lib/plugin-api.js';
import { OperationTable } from '../../lib/operations/table.js';
import { plainInput, whereInput } from '../../plugins/graphql/arguments.js';
import { PreparedDocuments } from '../../plugins/graphql/documents.js';
import { aliasLimitRule, depthLimitRule, queryComplexity } from '../../plugins/graphql/limits.js';
import { enumValueNames } from '../../plugins/graphql/names.js';
import { resolveGraphQLOptions } from '../../plugins/graphql/options.js';
import { buildStrataSchema, type ChangeSource, type SchemaSources } from '../../plugins/graphql/schema.js';
import { isJobModel, jobOperations } from '../../plugins/jobs/operations.js';
import type { JobsRuntime } from '../../plugins/jobs/runtime.js';

/** Committed SDL of the schema below, read from the repository (tests run from dist/). */
const SNAPSHOT = fileURLToPath(new URL('../../../spec/snapshots/graphql-schema.graphql', import.meta.url));
/** Committed SDL of what the same schema gains with the events service: its subscriptions and their types. */
const SUBSCRIPTIONS_SNAPSHOT = fileURLToPath(new URL('../../../spec/snapshots/graphql-subscriptions.graphql', import.meta.url));
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

/** A background job: `_job`, `_job.*` filters and sort keys, rerun, cancel, logs and runAt. */
@Resource({ description: 'An email to send in the background.' })
@Job({ handler: () => undefined, maxAttempts: 5 })
class SendEmail {
  @Indexed() @IsEmail() to!: string;
  @Length(1, 200) subject!: string;
}

/** An operation table with what the jobs plugin adds (rerun, cancel, logs, create with runAt); nothing runs while building. */
function tableWithJobs(): OperationTable {
  const table = new OperationTable();
  const runtime = new Proxy({}, { get: () => assert.fail('no job runtime is used while building') }) as JobsRuntime;
  for (const definition of jobOperations(runtime)) table.add(definition, { resources: isJobModel });
  return table;
}

const BUILT_IN_TABLE = new OperationTable();
const JOBS_TABLE = tableWithJobs();
/** The built-in operations only (no plugin adds any). */
const BUILT_IN: SchemaSources = { operations: (model) => BUILT_IN_TABLE.of(model) };
/** The operations of an app with the jobs plugin. */
const WITH_JOBS: SchemaSources = { operations: (model) => JOBS_TABLE.of(model) };

function models(...classes: Function[]): ResourceModel[] {
  const built = buildModels(classes);
  assert.deepEqual(built.problems, []);
  return built.models;
}

function schemaOf(resources: readonly ResourceModel[], sources: SchemaSources = BUILT_IN): GraphQLSchema {
  const built = buildStrataSchema(resources, LIMITS, () => assert.fail('no manager is called while building') as ResourceManager, sources);
  assert.deepEqual(built.problems, []);
  assert.ok(built.schema);
  return built.schema;
}

describe('GraphQL schema', () => {
  const schema = schemaOf(models(Author, Article, SendEmail), WITH_JOBS);
  const sdl = printSchema(schema);

  it('prints SDL that builds into a valid schema', () => {
    assert.deepEqual(validateSchema(schema), []);
    const rebuilt = buildSchema(sdl);
    assert.deepEqual(validateSchema(rebuilt), []);
    assert.equal(printSchema(rebuilt), sdl);
  });

  it('gives every mutation that writes an existing resource expectedRevision: Int and ifMatch: String, and create neither', () => {
    const mutations = schema.getMutationType()!.getFields();
    // Writes by query (patchArticles, deleteArticles, revertArticlesWindow) name no one resource, so no precondition.
    const byQuery = ['deleteArticles', 'deleteAuthors', 'deleteSendEmails', 'patchArticles', 'patchAuthors', 'patchSendEmails',
      'revertArticlesWindow', 'revertAuthorsWindow', 'revertSendEmailsWindow'];
    const existing = Object.keys(mutations).filter((name) => !name.startsWith('create') && !byQuery.includes(name));
    assert.deepEqual(existing.sort(), [
      'cancelSendEmail', 'deleteArticle', 'deleteAuthor', 'deleteSendEmail', 'patchArticle', 'patchAuthor', 'patchSendEmail',
      'publishArticle', 'purgeArticle', 'purgeAuthor', 'purgeSendEmail', 'rerunSendEmail', 'restoreArticle', 'restoreAuthor', 'restoreSendEmail',
      'revertArticle', 'revertAuthor', 'revertSendEmail',
      'switchArticle', 'switchAuthor', 'switchSendEmail', 'updateArticle', 'updateAuthor', 'updateSendEmail',
    ]);
    for (const name of byQuery) assert.ok(mutations[name], name);
    for (const name of existing) {
      const args = Object.fromEntries(mutations[name].args.map((argument) => [argument.name, String(argument.type)]));
      assert.equal(args.expectedRevision, 'Int', name);
      assert.equal(args.ifMatch, 'String', name);
    }
    for (const name of ['createArticle', 'createAuthor', 'createSendEmail']) {
      assert.ok(!mutations[name].args.some((argument) => argument.name === 'ifMatch' || argument.name === 'expectedRevision'), name);
    }
  });

  it('matches the committed SDL snapshot (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      mkdirSync(dirname(SNAPSHOT), { recursive: true });
      writeFileSync(SNAPSHOT, `${sdl}\n`);
    }
    // A missing snapshot is a failure, not a new snapshot: otherwise a lost file (or a wrong path) would pass.
    assert.ok(existsSync(SNAPSHOT), `no SDL snapshot at ${SNAPSHOT}; run the tests with UPDATE_SNAPSHOTS=1 to write it`);
    assert.equal(`${sdl}\n`, readFileSync(SNAPSHOT, 'utf8'), 'the schema changed; review the difference and run the tests with UPDATE_SNAPSHOTS=1 to accept it');
  });
});

describe('GraphQL schema: subscriptions', () => {
  const unused: ChangeSource = { events: () => assert.fail('no events service is read while building') };
  const without = schemaOf(models(Author, Article, SendEmail), WITH_JOBS);
  const schema = schemaOf(models(Author, Article, SendEmail), { ...WITH_JOBS, changes: unused });
  const added = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__') && !without.getType(type.name));

  it('has no Subscription type without the events service', () => {
    assert.equal(without.getSubscriptionType(), undefined);
    assert.equal(without.getType('ChangeType'), undefined);
  });

  it('adds a Subscription per resource, <Type>Change and ChangeType, and leaves every other type as it was', () => {
    assert.deepEqual(validateSchema(schema), []);
    for (const type of Object.values(without.getTypeMap())) assert.equal(printType(schema.getType(type.name)!), printType(type), type.name);
    assert.deepEqual(added.map((type) => type.name).sort(), ['ArticleChange', 'AuthorChange', 'ChangeType', 'SendEmailChange', 'Subscription']);
    const subscriptions = schema.getSubscriptionType()!.getFields();
    assert.deepEqual(Object.values(subscriptions).map((field) => `${field.name}(${field.args.map((argument) => `${argument.name}: ${String(argument.type)}`).join(', ')}): ${String(field.type)}`), [
      'authorChanged(where: AuthorWhere, types: [ChangeType!]): AuthorChange!',
      'articleChanged(where: ArticleWhere, types: [ChangeType!]): ArticleChange!',
      'sendEmailChanged(where: SendEmailWhere, types: [ChangeType!]): SendEmailChange!',
    ]);
    assert.deepEqual(Object.values((schema.getType('ArticleChange') as GraphQLObjectType).getFields()).map((field) => `${field.name}: ${String(field.type)}`),
      ['type: ChangeType!', 'revision: Int', 'at: DateTime!', 'by: String', 'article: Article']);
    assert.deepEqual((schema.getType('ChangeType') as GraphQLEnumType).getValues().map((value) => [value.name, value.value]), [
      ['CREATED', 'created'], ['UPDATED', 'updated'], ['DELETED', 'deleted'], ['RESTORED', 'restored'], ['PURGED', 'purged'],
      ['SWITCHED', 'switched'], ['REVERTED', 'reverted'], ['PUBLISHED', 'published'], ['JOB_QUEUED', 'job.queued'],
      ['JOB_RUNNING', 'job.running'], ['JOB_SUCCEEDED', 'job.succeeded'], ['JOB_FAILED', 'job.failed'], ['JOB_CANCELLED', 'job.cancelled'],
    ]);
  });

  it('matches the committed SDL snapshot of what subscriptions add (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    const printed = `${added.map((type) => printType(type)).join('\n\n')}\n`;
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SUBSCRIPTIONS_SNAPSHOT, printed);
    assert.ok(existsSync(SUBSCRIPTIONS_SNAPSHOT), `no SDL snapshot at ${SUBSCRIPTIONS_SNAPSHOT}; run the tests with UPDATE_SNAPSHOTS=1 to write it`);
    assert.equal(printed, readFileSync(SUBSCRIPTIONS_SNAPSHOT, 'utf8'), 'the subscriptions changed; review the difference and run the tests with UPDATE_SNAPSHOTS=1 to accept it');
  });

  it('reports the names subscriptions would take from a resource, only when they are built', () => {
    @Resource()
    class ChangeType { @IsString() label!: string; }
    @Resource()
    class AuthorChange { @IsString() label!: string; }
    @Resource({ name: 'By' })
    class Signature { @IsString() label!: string; }
    const built = (changes?: ChangeSource) => buildStrataSchema(models(Author, ChangeType, AuthorChange, Signature), LIMITS, () => assert.fail('unused'), { ...BUILT_IN, changes });
    assert.deepEqual(built().problems, []);
    assert.deepEqual(built(unused).problems, [
      'resource ChangeType: the GraphQL name "ChangeType" is already used by a built-in Strata type; rename it with @Resource({ name }) or rename the class',
      'resource AuthorChange: the GraphQL name "AuthorChange" is already used by resource Author; rename it with @Resource({ name }) or rename the class',
      'resource By: the field "by" of ByChange would clash with its type, revision, at, by fields; rename it with @Resource({ name }) or rename the class',
    ]);
  });
});

describe('GraphQL schema: jobs', () => {
  const schema = schemaOf(models(Author, SendEmail), WITH_JOBS);
  const fieldsOf = (name: string) => (schema.getType(name) as GraphQLObjectType | GraphQLInputObjectType).getFields();
  const typeOf = (type: string, field: string) => String(fieldsOf(type)[field].type);

  it('exposes _job as JobState! with the JobStatus enum of JOB_STATUSES, on job resources only', () => {
    assert.equal(typeOf('SendEmail', '_job'), 'JobState!');
    assert.deepEqual(Object.keys(fieldsOf('SendEmail')), ['id', 'to', 'subject', '_job', '_meta', 'revisions']);
    assert.equal(fieldsOf('Author')._job, undefined);
    assert.deepEqual(Object.fromEntries(Object.entries(fieldsOf('JobState')).map(([name, field]) => [name, String(field.type)])), {
      status: 'JobStatus!', attempts: 'Int!', maxAttempts: 'Int!', runAt: 'DateTime!', startedAt: 'DateTime', finishedAt: 'DateTime',
      progress: 'Float', result: 'JSON', error: 'String',
    });
    assert.deepEqual((schema.getType('JobStatus') as GraphQLEnumType).getValues().map((value) => [value.name, value.value]),
      [['queued', 'queued'], ['running', 'running'], ['succeeded', 'succeeded'], ['failed', 'failed'], ['cancelled', 'cancelled']]);
  });

  it('filters on _job.* under _job: ResourceJobWhere (status with the same JobStatus enum) and sorts by _job_* keys', () => {
    assert.equal(typeOf('SendEmailWhere', '_job'), 'ResourceJobWhere');
    assert.equal(fieldsOf('AuthorWhere')._job, undefined);
    assert.deepEqual(Object.fromEntries(Object.entries(fieldsOf('ResourceJobWhere')).map(([name, field]) => [name, String(field.type)])), {
      status: 'JobStatusFilter', attempts: 'IntFilter', runAt: 'DateTimeFilter', startedAt: 'DateTimeFilter', finishedAt: 'DateTimeFilter', progress: 'FloatFilter',
    });
    assert.equal(typeOf('JobStatusFilter', 'eq'), 'JobStatus');
    assert.equal(typeOf('JobStatusFilter', 'in'), '[JobStatus!]');
    const sort = (schema.getType('SendEmailSort') as GraphQLEnumType).getValues().map((value) => [value.name, value.value]);
    for (const field of ['status', 'attempts', 'runAt', 'startedAt', 'finishedAt', 'progress']) {
      assert.ok(sort.some(([name, value]) => name === `_job_${field}_ASC` && value === `_job.${field}`), `_job_${field}_ASC in ${JSON.stringify(sort)}`);
      assert.ok(sort.some(([name, value]) => name === `_job_${field}_DESC` && value === `-_job.${field}`), `_job_${field}_DESC`);
    }
    assert.ok(!(schema.getType('AuthorSort') as GraphQLEnumType).getValues().some((value) => value.name.startsWith('_job')));
  });

  it('adds rerun, cancel, the logs query and runAt on create to job resources only', () => {
    const mutations = schema.getMutationType()!.getFields();
    const queries = schema.getQueryType()!.getFields();
    const argumentsOf = (field: { args: readonly { name: string; type: unknown }[] }) => field.args.map((argument) => `${argument.name}: ${String(argument.type)}`);
    assert.deepEqual(argumentsOf(mutations.rerunSendEmail), ['id: ID!', 'expectedRevision: Int', 'ifMatch: String']);
    assert.deepEqual(argumentsOf(mutations.cancelSendEmail), ['id: ID!', 'expectedRevision: Int', 'ifMatch: String']);
    assert.equal(String(mutations.rerunSendEmail.type), 'SendEmail!');
    assert.deepEqual(argumentsOf(mutations.createSendEmail), ['input: SendEmailInput!', 'runAt: DateTime']);
    assert.deepEqual(argumentsOf(mutations.createAuthor), ['input: AuthorInput!']);
    assert.deepEqual(argumentsOf(queries.sendEmailLogs), ['id: ID!', 'limit: Int', 'cursor: String']);
    assert.equal(String(queries.sendEmailLogs.type), 'JobLogPage!');
    assert.deepEqual(Object.keys(fieldsOf('JobLogLine')), ['at', 'attempt', 'level', 'message']);
    assert.equal(mutations.rerunAuthor, undefined);
    assert.equal(queries.authorLogs, undefined);
    assert.equal(fieldsOf('SendEmailInput')._job, undefined);
  });

  it('has no rerun, cancel or logs fields when no plugin adds those operations', () => {
    const bare = schemaOf(models(SendEmail));
    assert.equal(bare.getQueryType()!.getFields().sendEmailLogs, undefined);
    assert.equal(bare.getType('JobLogPage'), undefined);
    assert.equal(bare.getMutationType()!.getFields().rerunSendEmail, undefined);
    assert.equal(bare.getMutationType()!.getFields().cancelSendEmail, undefined);
  });

  it('claims the JobLogPage names only when an operation answers a JobLogPage', () => {
    @Resource()
    class JobLogLine { @IsString() text!: string; }
    assert.deepEqual(buildStrataSchema(models(JobLogLine, SendEmail), LIMITS, () => assert.fail('unused'), BUILT_IN).problems, []);
    assert.deepEqual(buildStrataSchema(models(JobLogLine, SendEmail), LIMITS, () => assert.fail('unused'), WITH_JOBS).problems, [
      'a built-in Strata type: the GraphQL name "JobLogLine" is already used by resource JobLogLine; rename the resource or class',
    ]);
  });

  it('keeps a model enum with the job statuses as values apart from JobStatus', () => {
    @Resource()
    @Job({ handler: () => undefined })
    class Mirror { @Indexed() @IsIn(['queued', 'running', 'succeeded', 'failed', 'cancelled']) state!: string; }
    const mirrored = schemaOf(models(Mirror));
    assert.equal(String((mirrored.getType('Mirror') as GraphQLObjectType).getFields().state.type), 'MirrorState!');
    assert.equal(String((mirrored.getType('MirrorWhere') as GraphQLInputObjectType).getFields().state.type), 'MirrorStateFilter');
    assert.equal(String((mirrored.getType('ResourceJobWhere') as GraphQLInputObjectType).getFields().status.type), 'JobStatusFilter');
  });

  it('reports a resource whose name a job type takes, and leaves those names free without jobs', () => {
    @Resource()
    class JobState { @IsString() label!: string; }
    const built = buildStrataSchema(models(JobState, SendEmail), LIMITS, () => assert.fail('unused'), WITH_JOBS);
    assert.deepEqual(built.problems, ['a built-in Strata type: the GraphQL name "JobState" is already used by resource JobState; rename the resource or class']);
    assert.deepEqual(buildStrataSchema(models(JobState), LIMITS, () => assert.fail('unused'), WITH_JOBS).problems, []);
    @Resource({ name: 'Job' })
    class Chore { @IsIn(['open', 'shut']) status!: string; }
    assert.deepEqual(buildStrataSchema(models(Chore, SendEmail), LIMITS, () => assert.fail('unused'), WITH_JOBS).problems, [
      'a built-in Strata type: the GraphQL name "JobStatus" is already used by the enum of JobStatus; rename the property or the class',
    ]);
  });

  it('translates a _job group into dotted names', () => {
    assert.deepEqual(whereInput({ _job: { status: { eq: 'succeeded' }, runAt: null }, _meta: { status: { eq: 'stable' } } }),
      { '_job.status': { eq: 'succeeded' }, '_meta.status': { eq: 'stable' } });
  });
});

describe('GraphQL schema: operations plugins add', () => {
  const unused = () => assert.fail('no operation runs while building');
  const archive: OperationDefinition = {
    name: 'archive', action: 'update', mutates: true, method: 'post', path: '/:id/archive', conditional: 'If-Match',
    summary: (model) => `Archive ${model.name}`,
    parameters: () => [
      { name: 'reason', in: 'query', kind: 'string', required: true, schema: { type: 'string' }, description: 'Why it is archived.' },
      { name: 'days', in: 'query', kind: 'positiveInteger', schema: { type: 'integer', minimum: 1 } },
      { name: 'notify', in: 'query', kind: 'boolean', schema: { type: 'boolean' } },
      { name: 'until', in: 'query', kind: 'dateTime', schema: { type: 'string', format: 'date-time' } },
      { name: 'trace', in: 'query', kind: 'string', undocumented: true },
    ],
    result: resourceResult('The archived resource.'), problems: [404, 412], invoke: unused,
  };
  const preview: OperationDefinition = {
    name: 'preview', action: 'read', mutates: false, method: 'get', path: '/:id/preview', summary: (model) => `Preview ${model.name}`,
    result: () => jsonResult('A preview.', { type: 'object' }), problems: [404], invoke: unused,
  };
  const wipe: OperationDefinition = {
    name: 'wipe', action: 'delete', mutates: true, method: 'post', path: '/:id/wipe', summary: (model) => `Wipe ${model.name}`,
    result: () => ({ status: 204, kind: 'empty', description: 'Wiped.' }), problems: [404], invoke: unused,
  };
  const table = new OperationTable();
  table.add(archive, { resources: [Author] });
  table.add(preview);
  table.add(wipe);
  const debug: string[] = [];
  const schema = schemaOf(models(Author, Article), { operations: (model) => table.of(model), logger: { debug: (message) => debug.push(message) } });
  const mutations = schema.getMutationType()!.getFields();

  it('makes a write to one resource the mutation <operationId>(id, parameters by kind, expectedRevision, ifMatch) returning the resource', () => {
    assert.deepEqual(mutations.archiveAuthor.args.map((argument) => `${argument.name}: ${String(argument.type)}`), [
      'id: ID!', 'reason: String!', 'days: Int', 'notify: Boolean', 'until: DateTime', 'expectedRevision: Int', 'ifMatch: String',
    ]);
    assert.equal(mutations.archiveAuthor.args[1].description, 'Why it is archived.');
    assert.equal(String(mutations.archiveAuthor.type), 'Author!');
    assert.equal(mutations.archiveAuthor.description, 'Archive Author', 'the summary, as the operation has no description');
    assert.equal(mutations.archiveArticle, undefined, 'only on the resources it was added for');
  });

  it('gives no field to an operation whose shape GraphQL has no form for, and says so at debug level', () => {
    assert.equal(schema.getQueryType()!.getFields().authorPreview, undefined);
    assert.equal(mutations.wipeAuthor, undefined);
    assert.deepEqual(debug.filter((message) => message.includes(' of Author ')), [
      'graphql: operation preview of Author has no GraphQL field: GraphQL has no type for its result',
      'graphql: operation wipe of Author has no GraphQL field: it writes and answers empty, not the resource',
    ]);
  });

  it('reports a derived field whose name another field has', () => {
    const purging = new OperationTable();
    purging.add({ ...archive, name: 'purge', path: '/:id/purge' });
    assert.deepEqual(buildStrataSchema(models(Author), LIMITS, () => assert.fail('unused'), { operations: (model) => purging.of(model) }).problems, [
      'the purgeAuthor mutation of operation purge of resource Author: the GraphQL name "purgeAuthor" is already used by the purgeAuthor mutation of resource Author; rename the operation or give it another operationId',
    ]);
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

    const built = buildStrataSchema(models(Item, ItemSet, Shelf), LIMITS, () => assert.fail('unused'), BUILT_IN);
    assert.equal(built.schema, undefined);
    assert.deepEqual(built.problems, [
      'nested class Revision: the GraphQL name "Revision" is already used by a built-in Strata type; rename the class',
      'the items query of resource Items: the GraphQL name "items" is already used by the items query of resource Item; rename a resource with @Resource({ name })',
      'the patchItems mutation of resource Items: the GraphQL name "patchItems" is already used by the patchItems mutation of resource Item; rename a resource with @Resource({ name })',
      'the deleteItems mutation of resource Items: the GraphQL name "deleteItems" is already used by the deleteItems mutation of resource Item; rename a resource with @Resource({ name })',
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

describe('GraphQL prepared documents', () => {
  const schema = schemaOf(models(Author, Article, SendEmail), WITH_JOBS);
  const documents = new PreparedDocuments(schema, { maxDepth: 15, maxComplexity: 10_000, maxAliases: 50 }, true);
  const runnerOf = (query: string) => {
    const { document, errors } = documents.get(query);
    assert.deepEqual(errors, []);
    return documents.runner(document!, undefined);
  };

  it('compiles operations with graphql-jit, but leaves those with a variable of a recursive input type to graphql-js', () => {
    assert.equal(typeof runnerOf('query($ids: [ID!]!) { authors(where: { id: { in: $ids } }, sort: [name_ASC]) { total } }'), 'function');
    assert.equal(typeof runnerOf('mutation($patch: ArticlePatch!) { patchArticle(id: "a", patch: $patch) { id } }'), 'function');
    // graphql-jit 0.8 never finishes compiling these (zalando-incubator/graphql-jit#81): every …Where nests itself through and/or/not.
    assert.equal(runnerOf('query($where: AuthorWhere) { authors(where: $where) { total } }'), undefined);
    assert.equal(runnerOf('query($where: SendEmailWhere, $n: Int) { sendEmails(where: $where, limit: $n) { total } }'), undefined);
    assert.equal(runnerOf('query($where: AuthorWhere) { authors(where: $where) { total } }'), undefined, 'the decision is kept');
  });

  it('keeps the compiled form of the first operations of a document only, so one cached document cannot hold thousands', () => {
    const query = Array.from({ length: 30 }, (_, index) => `query o${index} { authors(limit: ${index + 1}) { total } }`).join('\n');
    const { document } = documents.get(query);
    const kept = Array.from({ length: 30 }, (_, index) => documents.runner(document!, `o${index}`));
    assert.equal(documents.runner(document!, 'o0'), kept[0], 'the first operations are compiled once');
    assert.notEqual(documents.runner(document!, 'o29'), kept[29], 'later ones are compiled for each request and dropped');
    assert.equal(typeof kept[29], 'function');
  });

  it('leaves to graphql-js the operations whose variables graphql-jit would misread inside literals', () => {
    // A nullable variable without a default as an input field: left out, graphql-jit would make the field null.
    assert.equal(runnerOf('mutation($bio: String) { patchAuthor(id: "a", patch: { bio: $bio }) { id } }'), undefined);
    assert.equal(runnerOf('query($name: String) { authors(where: { name: { eq: $name } }) { total } }'), undefined);
    assert.equal(runnerOf('query Q($name: String) { ...Named } fragment Named on Query { authors(where: { name: { eq: $name } }) { total } }'), undefined);
    assert.equal(typeof runnerOf('mutation($bio: String!) { patchAuthor(id: "a", patch: { bio: $bio }) { id } }'), 'function');
    assert.equal(typeof runnerOf('mutation($bio: String = "b") { patchAuthor(id: "a", patch: { bio: $bio }) { id } }'), 'function');
    assert.equal(typeof runnerOf('query($limit: Int) { authors(limit: $limit) { total } }'), 'function', 'an argument left out is left out by graphql-jit too');
    // A variable anywhere inside a JSON literal: graphql-jit parses scalar literals without variables.
    assert.equal(runnerOf('mutation($x: Int!) { patchArticle(id: "a", patch: { settings: { a: [$x] } }) { id } }'), undefined);
    assert.equal(typeof runnerOf('mutation($t: String!) { patchArticle(id: "a", patch: { tags: ["a", $t] }) { id } }'), 'function', 'a list of strings is no scalar literal');
    assert.equal(typeof runnerOf('mutation { patchArticle(id: "a", patch: { settings: { a: [1] } }) { id } }'), 'function');
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

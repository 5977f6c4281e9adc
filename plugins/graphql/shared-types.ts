import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { operatorsFor, type QueryableKind } from '../../lib/plugin-api.js';
import { DateTimeScalar, JsonScalar } from './scalars.js';

/** What type-graphql decorators take as a type: a thunk returning a class, scalar, enum object or `[type]`. */
export type TypeThunk = () => object;

/**
 * The types every resource shares: `_meta`, revision entries, JSON Patch operations, the enums and
 * the operator inputs of filters. Declared once per process; a schema contains those it uses.
 */

/** `_meta.status` and a revision's status, with the same lowercase values as the REST JSON. */
export const RevisionStatus = { stable: 'stable', draft: 'draft' } as const;
registerEnumType(RevisionStatus, {
  name: 'RevisionStatus',
  description: 'A stable revision never changes; a draft can be changed in place until it is published.',
});

/** The `deleted` argument of list queries, with the values of REST's `deleted=`. */
export const DeletedFilter = { exclude: 'exclude', include: 'include', only: 'only' } as const;
registerEnumType(DeletedFilter, {
  name: 'DeletedFilter',
  description: 'Which resources a list shows: live ones (exclude, the default), all (include) or only soft-deleted ones.',
  valuesConfig: {
    exclude: { description: 'Only resources that are not deleted (the default).' },
    include: { description: 'Live and soft-deleted resources.' },
    only: { description: 'Only soft-deleted resources.' },
  },
});

@ObjectType('ResourceMeta', { simpleResolvers: true, description: 'What Strata records about a resource: its current revision, ETag, status and who changed it when.' })
export class ResourceMetaType {
  @Field(() => Int, { description: 'Number of the current revision.' }) revision!: number;
  @Field(() => ID, { description: '`<id>:<revision>`.' }) revisionId!: string;
  @Field(() => Int, { description: 'Revisions ever written (never decreases).' }) revisionCount!: number;
  @Field(() => String, { description: 'The strong ETag of the current state, as REST sends it.' }) etag!: string;
  @Field(() => RevisionStatus) status!: string;
  @Field(() => Boolean) deleted!: boolean;
  @Field(() => Int) schemaVersion!: number;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => String, { nullable: true }) createdBy!: string | null;
  @Field(() => DateTimeScalar) updatedAt!: string;
  @Field(() => String, { nullable: true }) updatedBy!: string | null;
}

@ObjectType('Revision', { simpleResolvers: true, description: 'One entry of a revision history, as in REST `GET /…/:id/revisions`.' })
export class RevisionType {
  @Field(() => Int) revision!: number;
  @Field(() => ID) revisionId!: string;
  @Field(() => Int, { nullable: true, description: 'The revision this one was written on top of (null for revision 1).' }) parent!: number | null;
  @Field(() => RevisionStatus) status!: string;
  @Field(() => String, { description: 'Content hash of the data, `sha256:…`.' }) hash!: string;
  @Field(() => Int) schemaVersion!: number;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => String, { nullable: true }) createdBy!: string | null;
}

@ObjectType('RevisionPage', { simpleResolvers: true, description: 'A page of a revision history, oldest first.' })
export class RevisionPageType {
  @Field(() => [RevisionType]) items!: RevisionType[];
  @Field(() => String, { nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' }) nextCursor!: string | null;
}

@ObjectType('JsonPatchOperation', { simpleResolvers: true, description: 'One RFC 6902 JSON Patch operation.' })
export class JsonPatchOperationType {
  @Field(() => String) op!: string;
  @Field(() => String) path!: string;
  @Field(() => String, { nullable: true }) from?: string;
  @Field(() => JsonScalar, { nullable: true }) value?: unknown;
}

@ObjectType('BulkResult', { simpleResolvers: true, description: 'What a change by query did, as REST `PATCH` / `DELETE /…/_bulk` answers.' })
export class BulkResultType {
  @Field(() => Int, { description: 'Resources matched.' }) count!: number;
  @Field(() => [ID], { description: 'Their ids, in creation order.' }) ids!: string[];
}

@ObjectType('RevertPlanEntry', { simpleResolvers: true, description: 'What a window revert does to one resource.' })
export class RevertPlanEntryType {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: 'The current revision.' }) from!: number;
  @Field(() => Int, { nullable: true, description: 'The revision current at since; null when the resource did not exist then.' }) to!: number | null;
  @Field(() => String, { description: 'revert, delete or restore.' }) action!: string;
  @Field(() => [JsonPatchOperationType], { description: 'From the current data to the data written.' }) diff!: JsonPatchOperationType[];
}

@ObjectType('RevertPlan', { simpleResolvers: true, description: 'The plan of a window revert, carried out unless dryRun.' })
export class RevertPlanType {
  @Field(() => [RevertPlanEntryType]) plan!: RevertPlanEntryType[];
}

/** The level of a job log line (`ctx.log(message, level)`), lowercase as over REST. */
export const JobLogLevel = { info: 'info', warn: 'warn', error: 'error' } as const;
registerEnumType(JobLogLevel, { name: 'JobLogLevel', description: 'The level a job handler gave a log line (ctx.log(message, level)).' });

@ObjectType('JobLogLine', { simpleResolvers: true, description: 'One line a job handler stored with ctx.log(), as in REST `GET /…/:id/logs`.' })
export class JobLogLineType {
  @Field(() => DateTimeScalar, { description: 'When it was stored.' }) at!: string;
  @Field(() => Int, { description: 'The attempt that logged it (from 1; a rerun starts again at 1).' }) attempt!: number;
  @Field(() => JobLogLevel) level!: string;
  @Field(() => String, { description: 'The message (at most 8,000 characters).' }) message!: string;
}

@ObjectType('JobLogPage', { simpleResolvers: true, description: 'A page of the log lines of a job, oldest first.' })
export class JobLogPageType {
  @Field(() => [JobLogLineType]) items!: JobLogLineType[];
  @Field(() => String, { nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' }) nextCursor!: string | null;
}

/** A GraphQL output type an operation's JSON result can have. */
export interface ResultType {
  readonly type: Function;
  /** The type names it brings: claimed when a schema uses it, not before, so an app without it may use them. */
  readonly names: readonly string[];
  /** For a page type (whose `limit` argument makes the field's cost): what its items are called, as in `Lines per page`. */
  readonly items?: string;
}

/**
 * The output types of operation results, by the component name their result schema refers to
 * (`#/components/schemas/JobLogPage`). An operation of the table whose JSON result refers to one
 * of them gets a query (docs/graphql.md); one whose result has no type here gets no field.
 */
export const RESULT_TYPES: ReadonlyMap<string, ResultType> = new Map([
  ['JobLogPage', { type: JobLogPageType, names: ['JobLogLine', 'JobLogPage', 'JobLogLevel'], items: 'Lines' }],
]);

const OPERATOR_DESCRIPTIONS: Record<string, string> = {
  eq: 'Equal to (null: the field is null or missing).', ne: 'Not equal to (null: the field has a value).',
  gt: 'Greater than.', gte: 'Greater than or equal to.', lt: 'Less than.', lte: 'Less than or equal to.',
  in: 'Equal to one of these.', nin: 'Equal to none of these.',
  contains: 'Contains this text (case-sensitive).', startsWith: 'Starts with this text (case-sensitive).', endsWith: 'Ends with this text (case-sensitive).',
  exists: 'true: the field has a value; false: it has none.', isNull: 'true: the field is null or missing; false: it has a value.',
};

/**
 * An input class with one nullable field per operator the query engine allows for `kind`
 * (`operatorsFor`), so the GraphQL filters offer exactly what the manager accepts.
 */
export function filterInputType(name: string, kind: QueryableKind, valueType: TypeThunk, description: string): Function {
  const target = { [name]: class {} }[name];
  for (const operator of operatorsFor(kind)) {
    const type = operator === 'in' || operator === 'nin' ? () => [valueType()]
      : operator === 'exists' || operator === 'isNull' ? () => Boolean
        : operator === 'contains' || operator === 'startsWith' || operator === 'endsWith' ? () => String
          : valueType;
    Field(type, { nullable: true, description: OPERATOR_DESCRIPTIONS[operator] })(target.prototype, operator);
  }
  InputType(name, { description })(target);
  return target;
}

/** The operator inputs of the built-in kinds, by the kind they filter (`id` and `@Ref` fields use `ID`). */
export const SCALAR_FILTERS = {
  id: filterInputType('IDFilter', 'string', () => ID, 'Tests on an id.'),
  string: filterInputType('StringFilter', 'string', () => String, 'Tests on a text field.'),
  integer: filterInputType('IntFilter', 'integer', () => Int, 'Tests on a whole-number field.'),
  number: filterInputType('FloatFilter', 'number', () => Float, 'Tests on a number field.'),
  boolean: filterInputType('BooleanFilter', 'boolean', () => Boolean, 'Tests on a true/false field.'),
  date: filterInputType('DateTimeFilter', 'date', () => DateTimeScalar, 'Tests on a date field.'),
  status: filterInputType('RevisionStatusFilter', 'enum', () => RevisionStatus, 'Tests on a revision status.'),
} as const;

/** The shared filters of the built-in scalar kinds, by kind; a kind a plugin registers gets its own `<Kind>Filter`. */
export const KIND_FILTERS: ReadonlyMap<string, Function> = new Map([
  ['string', SCALAR_FILTERS.string], ['integer', SCALAR_FILTERS.integer], ['number', SCALAR_FILTERS.number],
  ['boolean', SCALAR_FILTERS.boolean], ['date', SCALAR_FILTERS.date],
]);

/** Every fixed type name, so generated names cannot clash with them. */
export const SHARED_TYPE_NAMES = [
  'Query', 'Mutation', 'Subscription', 'String', 'Int', 'Float', 'Boolean', 'ID', 'DateTime', 'JSON',
  'RevisionStatus', 'DeletedFilter', 'ResourceMeta', 'Revision', 'RevisionPage', 'JsonPatchOperation', 'ResourceMetaWhere',
  'BulkResult', 'RevertPlan', 'RevertPlanEntry',
  'IDFilter', 'StringFilter', 'IntFilter', 'FloatFilter', 'BooleanFilter', 'DateTimeFilter', 'RevisionStatusFilter',
] as const;

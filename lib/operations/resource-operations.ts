import { StrataError } from '../errors/index.js';
import { withArticle } from '../metadata/naming.js';
import type { ResourceModel } from '../metadata/model.js';
import type { QueryLimits } from '../query/index.js';
import { limitSchema } from '../schema/query-schemas.js';
import { resourceSchemaNames } from '../schema/resource-schemas.js';
import { schemaRef, type SchemaObject } from '../schema/types.js';
import { REFERRER_SUMMARY_IDS } from '../manager/referrers.js';
import { blobFields } from '../manager/blobs.js';
import { writeOptionsOf, type OperationBody, type OperationCall, type OperationDefinition, type OperationParameter, type OperationResult } from './types.js';

/** Media types a PATCH body may have, and the patch format each means. */
export const PATCH_MEDIA_TYPES = {
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/json': 'merge-patch',
} as const;

/** Media types of NDJSON bodies (`_import`). */
export const NDJSON_MEDIA_TYPES = ['application/x-ndjson', 'application/jsonl'] as const;

/**
 * `?draft=true` on writes. Read on every resource, so asking for a draft where there are none is
 * the manager's 400 rather than a silent stable write; documented only where drafts exist.
 */
export function draftParameter(model: ResourceModel): OperationParameter[] {
  return [{
    name: 'draft', in: 'query', kind: 'boolean', schema: { type: 'boolean', default: false }, description: 'Write a draft revision (or change the current draft in place).',
    ...(model.versioning.drafts ? {} : { undocumented: true }),
  }];
}

/** `{ draft: true }` when `?draft=true` was given, so the manager checks it only when asked. */
export function draftOption(parameters: Readonly<Record<string, unknown>>): { draft?: boolean } {
  return parameters.draft === true ? { draft: true } : {};
}

/** `:n`, a revision number in the path. */
export const REVISION_NUMBER_PARAMETER: OperationParameter = {
  name: 'n', in: 'path', kind: 'positiveInteger', required: true, schema: { type: 'integer', minimum: 1 }, description: 'A revision number.',
};

/** `limit` and `cursor` of a paged read. */
export function pageParameters(limits: QueryLimits): OperationParameter[] {
  return [
    { name: 'limit', in: 'query', kind: 'positiveInteger', schema: limitSchema(limits, 1) },
    { name: 'cursor', in: 'query', kind: 'string', schema: { type: 'string' }, description: 'nextCursor of the previous page.' },
  ];
}

/** A JSON body of `schema`. */
export function jsonBody(schema: SchemaObject, description?: string): OperationBody {
  return { kind: 'json', ...(description ? { description } : {}), content: { 'application/json': schema } };
}

/** A 200 answer carrying one resource. */
export function resourceResult(description: string): (model: ResourceModel) => OperationResult {
  return (model) => ({ status: 200, kind: 'resource', description, schema: schemaRef(resourceSchemaNames(model).resource) });
}

/** A 200 JSON answer of `schema`. */
export function jsonResult(description: string, schema: SchemaObject): OperationResult {
  return { status: 200, kind: 'json', description, schema };
}

/** The id of a call on one resource (the table only routes such calls with an id). */
export function idOf(call: OperationCall): string {
  if (call.id === undefined) throw StrataError.badRequest('this operation needs the id of a resource');
  return call.id;
}

/** `expand` of a single read: documented where the resource has `@Ref` fields (elsewhere it is a 400 like any bad path). */
function expandParameter(model: ResourceModel): OperationParameter[] {
  return [{
    name: 'expand', in: 'query', kind: 'string', schema: { type: 'string' },
    description: expandDescription(model),
    ...(model.fields.some((field) => field.ref) ? {} : { undocumented: true }),
  }];
}

/** What `expand` takes on `model`, for documents. */
export function expandDescription(model: ResourceModel): string {
  const refs = model.fields.filter((field) => field.ref).map((field) => field.name);
  return `Comma-separated @Ref fields (${refs.join(', ') || 'none'}), dotted to at most three segments (authorId.teamId): each referenced resource, as you may read it, goes under _expanded (null when missing, deleted or out of your scope).`;
}

/** The parameters that were given (read parameters are undefined when absent). */
function given<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The component schemas of `_referrers`. */
const REFERRER_SCHEMAS: Record<string, SchemaObject> = {
  ReferrerSummary: {
    type: 'object',
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            resource: { type: 'string', description: 'The referring resource (its path).' },
            field: { type: 'string', description: 'Its @Ref field.' },
            count: { type: 'integer', minimum: 0 },
            ids: { type: 'array', items: { type: 'string' }, maxItems: REFERRER_SUMMARY_IDS, description: 'The first ids, in creation order.' },
          },
          required: ['resource', 'field', 'count', 'ids'],
        },
      },
    },
    required: ['items'],
  },
  ReferrerIdPage: {
    type: 'object',
    properties: { items: { type: 'array', items: { type: 'string' } }, nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last page.' } },
    required: ['items', 'nextCursor'],
  },
};

/** The members of a `_bulk` PATCH or DELETE body (a JSON object with only `allowed`); a missing `where` is the manager's 400. */
function bulkBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw StrataError.badRequest(`_bulk takes a JSON object { ${allowed.join(', ')} }`);
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw StrataError.badRequest(`unknown member(s) ${unknown.join(', ')}; this _bulk takes ${allowed.join(', ')}`);
  return body as Record<string, unknown>;
}

const WRITE_PROBLEMS = [400, 404, 409, 410, 412, 413, 415, 422];

/**
 * The operations every resource has (docs/rest.md), collection routes first so they win over
 * `/:id`. Each is one manager call; the rules live in the manager.
 */
export const RESOURCE_OPERATIONS: readonly OperationDefinition[] = [
  {
    name: 'search', action: 'list', mutates: false, method: 'post', path: '/_search',
    summary: (model) => `Search ${model.name} resources with a JSON query`,
    operationId: (_one, many) => `search${many}`,
    body: (model) => jsonBody(schemaRef(resourceSchemaNames(model).query), 'The query, with the parameters of a list as JSON.'),
    result: (model) => jsonResult('The matching page.', schemaRef(resourceSchemaNames(model).page)),
    problems: [400, 413, 415],
    invoke: ({ manager, body, user }) => manager.list(body as object, { user }),
  },
  {
    name: 'count', action: 'list', mutates: false, method: 'get', path: '/_count',
    summary: (model) => `Count ${model.name} resources matching a filter`,
    operationId: (_one, many) => `count${many}`,
    search: 'count',
    result: () => jsonResult('How many match.', schemaRef('Count')),
    problems: [400],
    invoke: async ({ manager, search, user }) => ({ count: await manager.count(search ?? {}, { user }) }),
  },
  {
    name: 'bulkCreate', action: 'create', mutates: true, method: 'post', path: '/_bulk',
    summary: (model) => `Create many ${model.name} resources in one transaction`,
    operationId: (_one, many) => `bulkCreate${many}`,
    parameters: draftParameter,
    body: (model) => jsonBody({ type: 'array', items: schemaRef(resourceSchemaNames(model).input) }, 'The resources to create; all are stored or none.'),
    result: (model) => ({ status: 201, kind: 'json', description: 'Every resource created, in order.', schema: { type: 'array', items: schemaRef(resourceSchemaNames(model).resource) } }),
    problems: [400, 409, 413, 415, 422],
    invoke: ({ manager, body, user, parameters }) => {
      if (!Array.isArray(body)) throw StrataError.badRequest('_bulk takes a JSON array of resources');
      return manager.createMany(body, { user, ...draftOption(parameters) });
    },
  },
  {
    name: 'bulkPatch', action: 'update', mutates: true, method: 'patch', path: '/_bulk',
    summary: (model) => `Patch every ${model.name} matching a filter, in one transaction`,
    description: (model) => `Applies one JSON Merge Patch to every ${model.name} matching \`where\` (at most 10,000), in one transaction, one revision each, each checked like a PATCH of that resource. A missing \`where\` is a 400; \`{}\` matches every resource.`,
    operationId: (_one, many) => `bulkPatch${many}`,
    parameters: draftParameter,
    body: (model) => jsonBody({
      type: 'object', properties: { where: schemaRef(resourceSchemaNames(model).where), patch: schemaRef(resourceSchemaNames(model).patch) }, required: ['where', 'patch'], additionalProperties: false,
    }, 'The filter and the merge patch.'),
    result: () => jsonResult('How many resources matched, and their ids.', schemaRef('BulkResult')),
    problems: [400, 403, 404, 409, 413, 415, 422],
    invoke: ({ manager, body, user, parameters }) => {
      const { where, patch } = bulkBody(body, ['where', 'patch']);
      if (patch === undefined) throw StrataError.badRequest('patch is required: the JSON Merge Patch to apply to each resource');
      return manager.patchMany(where, patch, { user, ...draftOption(parameters) });
    },
  },
  {
    name: 'bulkDelete', action: 'delete', mutates: true, method: 'delete', path: '/_bulk',
    summary: (model) => `Delete every ${model.name} matching a filter, in one transaction`,
    description: (model) => `Soft-deletes every ${model.name} matching \`where\` (at most 10,000), in one transaction, each checked like a DELETE of that resource. A missing \`where\` is a 400; \`{}\` matches every resource.`,
    operationId: (_one, many) => `bulkDelete${many}`,
    body: (model) => jsonBody({ type: 'object', properties: { where: schemaRef(resourceSchemaNames(model).where) }, required: ['where'], additionalProperties: false }, 'The filter.'),
    result: () => jsonResult('How many resources were deleted, and their ids.', schemaRef('BulkResult')),
    problems: [400, 403, 404, 409, 413, 415],
    invoke: ({ manager, body, user }) => manager.deleteMany(bulkBody(body, ['where']).where, { user }),
  },
  {
    name: 'revertWindow', action: 'revert', mutates: true, method: 'post', path: '/_revert',
    summary: (model) => `Undo the changes made to ${model.name} resources in a window of time`,
    description: (model) => `Changed ${model.name} resources get a new revision with the data they had at \`since\`, those created in the window are deleted, those deleted in it restored; \`by\` keeps other users' changes, \`where\` matches the current state. One transaction; \`dryRun\` returns the same plan and writes nothing. A unique value taken twice fails it whole (409 naming the ids).`,
    operationId: (_one, many) => `revert${many}Window`,
    body: () => jsonBody(schemaRef('RevertWindow'), 'The window to undo.'),
    result: () => jsonResult('The plan, carried out unless dryRun.', schemaRef('RevertPlan')),
    problems: [400, 403, 409, 413, 415, 422],
    invoke: ({ manager, body, user }) => manager.revertWindow(body, { user }),
  },
  {
    name: 'export', action: 'export', mutates: false, method: 'get', path: '/_export',
    summary: (model) => `Export every ${model.name} with its full history as NDJSON`,
    operationId: (_one, many) => `export${many}`,
    result: (model) => ({ status: 200, kind: 'ndjson', description: 'One JSON record per line: each resource (deleted ones too) with its full history.', schema: schemaRef(resourceSchemaNames(model).export) }),
    problems: [],
    invoke: async ({ manager, user }) => manager.exportRecords({ user }),
  },
  {
    name: 'import', action: 'import', mutates: true, method: 'post', path: '/_import',
    summary: (model) => `Import ${model.name} resources with their history from NDJSON`,
    operationId: (_one, many) => `import${many}`,
    body: (model) => ({
      kind: 'ndjson', large: true, description: 'NDJSON as `_export` writes it; imported in one transaction.',
      content: Object.fromEntries(NDJSON_MEDIA_TYPES.map((type) => [type, schemaRef(resourceSchemaNames(model).export)])),
    }),
    result: () => jsonResult('How many resources were imported.', schemaRef('ImportResult')),
    problems: [400, 409, 413, 415, 422],
    // An NDJSON body arrives as its records, or as `{ records, lines }` when the transport knows the line numbers.
    invoke: async ({ manager, body, user }) => {
      const { records, lines } = Array.isArray(body) ? { records: body, lines: undefined } : body as { records: unknown[]; lines?: number[] };
      return { imported: (await manager.importRecords(records, { user, lines })).length };
    },
  },
  {
    name: 'create', action: 'create', mutates: true, method: 'post', path: '/',
    summary: (model) => `Create ${withArticle(model.name)}`,
    operationId: (one) => `create${one}`,
    parameters: draftParameter,
    body: (model) => jsonBody(schemaRef(resourceSchemaNames(model).input)),
    result: (model) => ({ status: 201, kind: 'resource', location: true, description: 'The created resource (revision 1).', schema: schemaRef(resourceSchemaNames(model).resource) }),
    problems: [400, 409, 413, 415, 422],
    invoke: ({ manager, body, user, parameters }) => manager.create(body as object, { user, ...draftOption(parameters) }),
  },
  {
    name: 'list', action: 'list', mutates: false, method: 'get', path: '/',
    summary: (model) => `List and search ${model.name} resources`,
    operationId: (_one, many) => `list${many}`,
    search: 'list',
    result: (model) => jsonResult('The matching page.', schemaRef(resourceSchemaNames(model).page)),
    problems: [400],
    invoke: ({ manager, search, user }) => manager.list(search ?? {}, { user }),
  },
  {
    name: 'get', action: 'read', mutates: false, method: 'get', path: '/:id',
    actionFor: (parameters) => (parameters.revision !== undefined || parameters.asOf !== undefined ? 'history' : 'read'),
    summary: (model) => `Read ${withArticle(model.name)} (or an old revision with ?revision=n, or as it was with ?asOf=)`,
    operationId: (one) => `get${one}`,
    parameters: (model) => [
      { name: 'revision', in: 'query', kind: 'positiveInteger', schema: { type: 'integer', minimum: 1 }, description: 'Read this older revision instead of the current one (references expand to their current state).' },
      { name: 'asOf', in: 'query', kind: 'dateTime', schema: { type: 'string', format: 'date-time' }, description: 'Read the resource as it was at this moment (404 before it existed, 410 while it was deleted).' },
      ...expandParameter(model),
    ],
    conditional: 'If-None-Match',
    result: resourceResult('The resource.'),
    problems: [400, 404, 410],
    invoke: (call) => call.manager.get(idOf(call), {
      user: call.user,
      ...(call.parameters.revision !== undefined ? { revision: call.parameters.revision as number } : {}),
      ...(call.parameters.asOf !== undefined ? { asOf: call.parameters.asOf as string } : {}),
      ...(call.parameters.expand !== undefined ? { expand: call.parameters.expand } : {}),
    }),
  },
  {
    name: 'referrers', action: 'read', mutates: false, method: 'get', path: '/:id/_referrers',
    summary: (model) => `What refers to ${withArticle(model.name)}: per resource and @Ref field, the count and the first ids`,
    description: (model) => `Per referring resource and @Ref field, how many live resources the caller may read point at this ${model.name}, and the first ${REFERRER_SUMMARY_IDS} ids in creation order; with \`resource\` and \`field\`, a page of all their ids.`,
    operationId: (one) => `list${one}Referrers`,
    parameters: (_model, limits) => [
      { name: 'resource', in: 'query', kind: 'string', schema: { type: 'string' }, description: 'With field: page through the ids of this referring resource (its path, e.g. articles).' },
      { name: 'field', in: 'query', kind: 'string', schema: { type: 'string' }, description: 'With resource: the @Ref field of that resource.' },
      ...pageParameters(limits),
    ],
    result: () => jsonResult('The referrers: a summary per resource and field, or (with resource and field) a page of ids.', { anyOf: [schemaRef('ReferrerSummary'), schemaRef('ReferrerIdPage')] }),
    components: () => REFERRER_SCHEMAS,
    problems: [400, 404, 410],
    invoke: (call) => call.manager.referrers(idOf(call), {
      user: call.user,
      ...given(call.parameters as { resource?: string; field?: string; limit?: number; cursor?: string }),
    }),
  },
  {
    name: 'replace', action: 'update', mutates: true, method: 'put', path: '/:id',
    summary: (model) => `Replace ${withArticle(model.name)} (new revision)`,
    operationId: (one) => `replace${one}`,
    parameters: draftParameter,
    conditional: 'If-Match',
    body: (model) => jsonBody(schemaRef(resourceSchemaNames(model).input)),
    result: resourceResult('The resource after the write (a new revision unless nothing changed).'),
    problems: WRITE_PROBLEMS,
    invoke: (call) => call.manager.update(idOf(call), call.body as object, writeOptionsOf(call, draftOption(call.parameters))),
  },
  {
    name: 'patch', action: 'update', mutates: true, method: 'patch', path: '/:id',
    summary: (model) => `Patch ${withArticle(model.name)} with JSON Patch or JSON Merge Patch`,
    operationId: (one) => `patch${one}`,
    parameters: draftParameter,
    conditional: 'If-Match',
    body: (model) => ({
      kind: 'patch',
      description: 'A JSON Patch (RFC 6902) or a JSON Merge Patch (RFC 7396; plain JSON objects are merge patches too). Atomic: if any operation fails nothing is written.',
      content: {
        'application/json-patch+json': schemaRef('JsonPatch'),
        'application/merge-patch+json': schemaRef(resourceSchemaNames(model).patch),
        'application/json': schemaRef(resourceSchemaNames(model).patch),
      },
    }),
    result: resourceResult('The resource after the patch.'),
    problems: WRITE_PROBLEMS,
    invoke: (call) => call.manager.patch(idOf(call), call.body, { ...writeOptionsOf(call, draftOption(call.parameters)), format: call.patchFormat ?? 'merge-patch' }),
  },
  {
    name: 'delete', action: 'delete', mutates: true, method: 'delete', path: '/:id',
    actionFor: (parameters) => (parameters.purge === true ? 'purge' : 'delete'),
    summary: (model) => `Delete ${withArticle(model.name)} (soft; ?purge=true deletes for good)`,
    operationId: (one) => `delete${one}`,
    parameters: () => [{ name: 'purge', in: 'query', kind: 'boolean', schema: { type: 'boolean', default: false }, description: 'Delete the resource and every revision for good (afterwards: 404) instead of soft-deleting it.' }],
    conditional: 'If-Match',
    result: () => ({ status: 204, kind: 'empty', description: 'Deleted.' }),
    problems: [400, 404, 409, 410, 412],
    invoke: async (call) => {
      if (call.parameters.purge === true) await call.manager.purge(idOf(call), writeOptionsOf(call));
      else await call.manager.delete(idOf(call), writeOptionsOf(call));
    },
  },
  {
    name: 'restore', action: 'restore', mutates: true, method: 'post', path: '/:id/restore',
    summary: (model) => `Restore a deleted ${model.name}`,
    operationId: (one) => `restore${one}`,
    conditional: 'If-Match',
    result: resourceResult('The restored resource (a live resource is returned unchanged).'),
    problems: [400, 404, 409, 412],
    invoke: (call) => call.manager.restore(idOf(call), writeOptionsOf(call)),
  },
  {
    name: 'revisions', action: 'history', mutates: false, method: 'get', path: '/:id/revisions',
    summary: (model) => `List the revisions of ${withArticle(model.name)}`,
    operationId: (one) => `list${one}Revisions`,
    parameters: (_model, limits) => pageParameters(limits),
    result: () => jsonResult('Revisions, oldest first.', schemaRef('RevisionPage')),
    problems: [400, 404, 410],
    invoke: (call) => call.manager.revisions(idOf(call), { user: call.user, limit: call.parameters.limit as number | undefined, cursor: call.parameters.cursor as string | undefined }),
  },
  {
    name: 'revision', action: 'history', mutates: false, method: 'get', path: '/:id/revisions/:n',
    summary: (model) => `Read one revision of ${withArticle(model.name)} with its data`,
    operationId: (one) => `get${one}Revision`,
    parameters: () => [REVISION_NUMBER_PARAMETER],
    result: () => jsonResult('The revision with its data.', schemaRef('RevisionWithData')),
    problems: [400, 404, 410],
    invoke: (call) => call.manager.revision(idOf(call), call.parameters.n as number, { user: call.user }),
  },
  {
    name: 'diff', action: 'history', mutates: false, method: 'get', path: '/:id/diff',
    summary: (model) => `JSON Patch between two revisions of ${withArticle(model.name)}`,
    operationId: (one) => `diff${one}`,
    parameters: () => (['from', 'to'] as const).map((name): OperationParameter => ({
      name, in: 'query', kind: 'positiveInteger', required: true, schema: { type: 'integer', minimum: 1 }, description: `Revision number to diff ${name}.`,
    })),
    result: () => jsonResult('The JSON Patch that turns revision `from` into revision `to`.', schemaRef('JsonPatch')),
    problems: [400, 404, 410],
    invoke: (call) => call.manager.diff(idOf(call), call.parameters.from as number, call.parameters.to as number, { user: call.user }),
  },
  {
    name: 'switch', action: 'switch', mutates: true, method: 'post', path: '/:id/switch/:n',
    summary: (model) => `Make an older revision of ${withArticle(model.name)} current`,
    operationId: (one) => `switch${one}`,
    parameters: () => [REVISION_NUMBER_PARAMETER],
    conditional: 'If-Match',
    result: resourceResult('The resource with revision n current; the next write branches from it.'),
    problems: [400, 404, 409, 410, 412, 422],
    invoke: (call) => call.manager.switch(idOf(call), call.parameters.n as number, writeOptionsOf(call)),
  },
  {
    name: 'revert', action: 'revert', mutates: true, method: 'post', path: '/:id/revert/:n',
    summary: (model) => `Write a new revision of ${withArticle(model.name)} equal to revision n`,
    description: (model) => `Writes a new revision of ${withArticle(model.name)} whose data equals revision n (history stays linear, unlike switch); nothing is written when the data is equal already.`,
    operationId: (one) => `revert${one}`,
    parameters: (model) => [REVISION_NUMBER_PARAMETER, ...draftParameter(model)],
    conditional: 'If-Match',
    result: resourceResult('The resource after the revert.'),
    problems: [400, 404, 409, 410, 412, 422],
    invoke: (call) => call.manager.revert(idOf(call), call.parameters.n as number, writeOptionsOf(call, draftOption(call.parameters))),
  },
  {
    name: 'blob', action: 'read', mutates: false, method: 'get', path: '/:id/:field',
    actionFor: (parameters) => (parameters.revision !== undefined ? 'history' : 'read'),
    summary: (model) => `Download a file (@Blob field) of ${withArticle(model.name)}`,
    description: (model) => `Streams the bytes of the @Blob field \`field\` of ${withArticle(model.name)} (or of revision \`revision\`) with their Content-Type, Content-Length and ETag; a Range header gets 206 with Content-Range.`,
    operationId: (one) => `download${one}Blob`,
    parameters: (model) => [
      { name: 'field', in: 'path', kind: 'string', required: true, schema: { type: 'string', enum: blobFields(model) }, description: 'A @Blob field.' },
      { name: 'revision', in: 'query', kind: 'positiveInteger', schema: { type: 'integer', minimum: 1 }, description: 'The file as revision n has it.' },
    ],
    result: () => ({ status: 200, kind: 'blob', description: 'The bytes (206 with Content-Range for a Range request).' }),
    problems: [400, 404, 410],
    appliesTo: (model) => blobFields(model).length > 0,
    invoke: async (call) => {
      const value = await call.manager.blob(idOf(call), call.parameters.field as string, { user: call.user, ...(call.parameters.revision !== undefined ? { revision: call.parameters.revision as number } : {}) });
      return { value, open: (range?: { start: number; end: number }) => call.manager.openBlob(value.hash, range) };
    },
  },
  {
    name: 'publish', action: 'publish', mutates: true, method: 'post', path: '/:id/publish',
    summary: (model) => `Publish the current draft of ${withArticle(model.name)}`,
    operationId: (one) => `publish${one}`,
    conditional: 'If-Match',
    result: resourceResult('The resource with its draft made stable.'),
    problems: [400, 404, 409, 410, 412],
    invoke: (call) => call.manager.publish(idOf(call), writeOptionsOf(call)),
  },
];

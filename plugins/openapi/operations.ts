import type { ResourceModel } from '../../lib/index.js';
import type { QueryLimits } from '../../lib/query/index.js';
import { resourceRoutes } from '../rest/index.js';
import { HEADER_PARAMETERS, problemResponse, RESPONSE_HEADERS, type ProblemStatus } from './components.js';
import { JOB_ROUTE_DESCRIPTIONS, runAtParameter } from './job-operations.js';
import { limitSchema, searchParameters } from './query-schemas.js';
import type { ResourceSchemaNames } from './resource-schemas.js';
import { schemaRef, type OperationObject, type ParameterObject, type ReferenceObject, type RequestBodyObject, type ResponseObject, type SchemaObject } from './types.js';

/** What describing one operation needs. */
export interface OperationInput {
  readonly model: ResourceModel;
  readonly names: ResourceSchemaNames;
  readonly limits: QueryLimits;
  /** The route's name in the REST plugin's route table (the controller method name). */
  readonly routeName: string;
  /** The route's summary from the REST plugin's route table. */
  readonly summary: string;
  /** Path parameters as routing-controllers-openapi read them from the mounted route. */
  readonly pathParameters: readonly ParameterObject[];
}

/** How one REST route (by name) is described; see DESIGN.md section 4. */
export interface RouteDescription {
  /** `one`/`many` are the capitalized singular and plural names, e.g. `User`/`Users`. */
  operationId(one: string, many: string): string;
  query?(input: OperationInput): ParameterObject[];
  conditional?: 'If-Match' | 'If-None-Match';
  body?(input: OperationInput): RequestBodyObject;
  success(input: OperationInput): Record<string, ResponseObject>;
  problems: ProblemStatus[];
}

/** Media types `_import` takes (the REST plugin's NDJSON_TYPES). */
const NDJSON_REQUEST_TYPES = ['application/x-ndjson', 'application/jsonl'];

const WRITE_PROBLEMS: ProblemStatus[] = [400, 404, 409, 410, 412, 413, 415, 422, 500];

const ROUTE_DESCRIPTIONS: Record<string, RouteDescription> = {
  search: {
    operationId: (_one, many) => `search${many}`,
    body: ({ names }) => jsonBody(schemaRef(names.query), 'The query, with the parameters of a list as JSON.'),
    success: ({ names }) => ({ 200: json('The matching page.', schemaRef(names.page)) }),
    problems: [400, 413, 415, 500],
  },
  count: {
    operationId: (_one, many) => `count${many}`,
    query: ({ model, names, limits }) => searchParameters(model, names, limits, true),
    success: () => ({ 200: json('How many match.', schemaRef('Count')) }),
    problems: [400, 500],
  },
  bulkCreate: {
    operationId: (_one, many) => `bulkCreate${many}`,
    query: draftParameter,
    body: ({ names }) => jsonBody({ type: 'array', items: schemaRef(names.input) }, 'The resources to create; all are stored or none.'),
    success: ({ names }) => ({ 201: json('Every resource created, in order.', { type: 'array', items: schemaRef(names.resource) }) }),
    problems: [400, 409, 413, 415, 422, 500],
  },
  export: {
    operationId: (_one, many) => `export${many}`,
    success: ({ names }) => ({ 200: { description: 'One JSON record per line: each resource (deleted ones too) with its full history.', headers: { 'X-Request-Id': RESPONSE_HEADERS.requestId }, content: ndjson(schemaRef(names.export), ['application/x-ndjson']) } }),
    problems: [500],
  },
  import: {
    operationId: (_one, many) => `import${many}`,
    body: ({ names }) => ({ required: true, description: 'NDJSON as `_export` writes it; imported in one transaction.', content: ndjson(schemaRef(names.export), NDJSON_REQUEST_TYPES) }),
    success: () => ({ 200: json('How many resources were imported.', schemaRef('ImportResult')) }),
    problems: [400, 409, 413, 415, 422, 500],
  },
  create: {
    operationId: (one) => `create${one}`,
    query: (input) => [...draftParameter(input), ...runAtParameter(input)],
    body: ({ names }) => jsonBody(schemaRef(names.input)),
    success: ({ names }) => ({ 201: json('The created resource (revision 1).', schemaRef(names.resource), { Location: RESPONSE_HEADERS.location, ETag: RESPONSE_HEADERS.etag }) }),
    problems: [400, 409, 413, 415, 422, 500],
  },
  list: {
    operationId: (_one, many) => `list${many}`,
    query: ({ model, names, limits }) => searchParameters(model, names, limits, false),
    success: ({ names }) => ({ 200: json('The matching page.', schemaRef(names.page)) }),
    problems: [400, 500],
  },
  get: {
    operationId: (one) => `get${one}`,
    query: () => [{ name: 'revision', in: 'query', schema: { type: 'integer', minimum: 1 }, description: 'Read this older revision instead of the current one.' }],
    conditional: 'If-None-Match',
    success: ({ names }) => ({
      200: json('The resource.', schemaRef(names.resource), { ETag: RESPONSE_HEADERS.etag, 'Accept-Patch': RESPONSE_HEADERS.acceptPatch }),
      304: { description: 'Not modified: If-None-Match matched the current ETag.', headers: { ETag: RESPONSE_HEADERS.etag, 'Accept-Patch': RESPONSE_HEADERS.acceptPatch, 'X-Request-Id': RESPONSE_HEADERS.requestId } },
    }),
    problems: [400, 404, 410, 500],
  },
  replace: {
    operationId: (one) => `replace${one}`,
    query: draftParameter,
    conditional: 'If-Match',
    body: ({ names }) => jsonBody(schemaRef(names.input)),
    success: resourceResponse('The resource after the write (a new revision unless nothing changed).'),
    problems: WRITE_PROBLEMS,
  },
  patch: {
    operationId: (one) => `patch${one}`,
    query: draftParameter,
    conditional: 'If-Match',
    body: ({ names }) => ({
      required: true,
      description: 'A JSON Patch (RFC 6902) or a JSON Merge Patch (RFC 7396; plain JSON objects are merge patches too). Atomic: if any operation fails nothing is written.',
      content: {
        'application/json-patch+json': { schema: schemaRef('JsonPatch') },
        'application/merge-patch+json': { schema: schemaRef(names.patch) },
        'application/json': { schema: schemaRef(names.patch) },
      },
    }),
    success: resourceResponse('The resource after the patch.'),
    problems: WRITE_PROBLEMS,
  },
  delete: {
    operationId: (one) => `delete${one}`,
    query: () => [{ name: 'purge', in: 'query', schema: { type: 'boolean', default: false }, description: 'Delete the resource and every revision for good (afterwards: 404) instead of soft-deleting it.' }],
    conditional: 'If-Match',
    success: () => ({ 204: { description: 'Deleted.', headers: { 'X-Request-Id': RESPONSE_HEADERS.requestId } } }),
    problems: [400, 404, 409, 410, 412, 500],
  },
  restore: {
    operationId: (one) => `restore${one}`,
    conditional: 'If-Match',
    success: resourceResponse('The restored resource (a live resource is returned unchanged).'),
    problems: [400, 404, 409, 412, 500],
  },
  revisions: {
    operationId: (one) => `list${one}Revisions`,
    query: ({ limits }) => [
      { name: 'limit', in: 'query', schema: limitSchema(limits, 1) },
      { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page.' },
    ],
    success: () => ({ 200: json('Revisions, oldest first.', schemaRef('RevisionPage')) }),
    problems: [400, 404, 410, 500],
  },
  revision: {
    operationId: (one) => `get${one}Revision`,
    success: () => ({ 200: json('The revision with its data.', schemaRef('RevisionWithData')) }),
    problems: [400, 404, 410, 500],
  },
  diff: {
    operationId: (one) => `diff${one}`,
    query: () => ['from', 'to'].map((name): ParameterObject => ({ name, in: 'query', required: true, schema: { type: 'integer', minimum: 1 }, description: `Revision number to diff ${name}.` })),
    success: () => ({ 200: json('The JSON Patch that turns revision `from` into revision `to`.', schemaRef('JsonPatch')) }),
    problems: [400, 404, 410, 500],
  },
  switch: {
    operationId: (one) => `switch${one}`,
    conditional: 'If-Match',
    success: resourceResponse('The resource with revision n current; the next write branches from it.'),
    problems: [400, 404, 409, 410, 412, 422, 500],
  },
  publish: {
    operationId: (one) => `publish${one}`,
    conditional: 'If-Match',
    success: resourceResponse('The resource with its draft made stable.'),
    problems: [400, 404, 409, 410, 412, 500],
  },
  ...JOB_ROUTE_DESCRIPTIONS,
};

const PATH_PARAMETER_DESCRIPTIONS: Record<string, { description: string; schema: SchemaObject }> = {
  // The skeleton's pattern is an artifact of path-to-regexp; any non-empty segment is an id.
  id: { description: 'The resource id.', schema: { type: 'string' } },
  n: { description: 'A revision number.', schema: { type: 'integer', minimum: 1 } },
};

/**
 * The operationId of a route: `<routeName><Resource>`, plural for routes over the collection
 * (`listUsers`, `searchUsers`, `bulkCreateUsers` …), singular otherwise (`createUser`, `getUser`);
 * the revision routes read `listUserRevisions` and `getUserRevision`.
 */
export function operationIdOf(model: ResourceModel, routeName: string): string {
  const one = capitalize(model.names.graphql.one);
  const many = capitalize(model.names.graphql.many);
  return ROUTE_DESCRIPTIONS[routeName]?.operationId(one, many) ?? `${routeName}${one}`;
}

/** Problems for operationIds two routes would share (resource names that clash), each naming the fix. */
export function operationIdProblems(models: readonly ResourceModel[]): string[] {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const model of models) {
    for (const route of resourceRoutes(model)) {
      const operationId = operationIdOf(model, route.name);
      const owner = `${model.name} ${route.method.toUpperCase()} /${model.names.path}${route.path === '/' ? '' : route.path}`;
      const taken = owners.get(operationId);
      if (taken) problems.push(`operationId ${operationId} of ${owner} is already the operationId of ${taken}; rename one of the resources with @Resource({ name })`);
      else owners.set(operationId, owner);
    }
  }
  return problems;
}

/** True when this plugin knows how the REST route `routeName` behaves. */
export function isDescribedRoute(routeName: string): boolean {
  return Object.hasOwn(ROUTE_DESCRIPTIONS, routeName);
}

/**
 * The operation of one mounted route: parameters (path, query, `If-Match`/`If-None-Match`,
 * `X-Request-Id`), request body, success responses with their headers, the problem responses the
 * route can give, and `default` for any other problem.
 */
export function describeOperation(input: OperationInput): OperationObject {
  const route = ROUTE_DESCRIPTIONS[input.routeName];
  const pathParameters = input.pathParameters.map((parameter) => {
    const known = PATH_PARAMETER_DESCRIPTIONS[parameter.name];
    return known ? { ...parameter, ...known } : parameter;
  });
  const parameters: (ParameterObject | ReferenceObject)[] = [...pathParameters, ...(route?.query?.(input) ?? [])];
  if (route?.conditional === 'If-Match') parameters.push(HEADER_PARAMETERS.ifMatch);
  if (route?.conditional === 'If-None-Match') parameters.push(HEADER_PARAMETERS.ifNoneMatch);
  parameters.push(HEADER_PARAMETERS.requestId);
  const responses: OperationObject['responses'] = route ? { ...route.success(input) } : { 200: { description: 'Success.', headers: { 'X-Request-Id': RESPONSE_HEADERS.requestId } } };
  for (const status of route?.problems ?? []) responses[status] = problemResponse(status);
  responses.default = problemResponse('default');
  const body = route?.body?.(input);
  return {
    operationId: operationIdOf(input.model, input.routeName),
    summary: input.summary,
    tags: [input.model.name],
    parameters,
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

function draftParameter({ model }: OperationInput): ParameterObject[] {
  if (!model.versioning.drafts) return [];
  return [{ name: 'draft', in: 'query', schema: { type: 'boolean', default: false }, description: 'Write a draft revision (or change the current draft in place).' }];
}

function jsonBody(schema: SchemaObject, description?: string): RequestBodyObject {
  return { required: true, ...(description ? { description } : {}), content: { 'application/json': { schema: { ...schema } } } };
}

function json(description: string, schema: SchemaObject, headers: ResponseObject['headers'] = {}): ResponseObject {
  return { description, headers: { ...headers, 'X-Request-Id': RESPONSE_HEADERS.requestId }, content: { 'application/json': { schema: { ...schema } } } };
}

function ndjson(line: SchemaObject, mediaTypes: readonly string[]): RequestBodyObject['content'] {
  // OpenAPI 3.1 has no item schema for streams; by convention the schema describes each line.
  const schema = { ...line, description: 'Each line of the body is one JSON record of this shape.' };
  return Object.fromEntries(mediaTypes.map((mediaType) => [mediaType, { schema }]));
}

function resourceResponse(description: string): (input: OperationInput) => Record<string, ResponseObject> {
  return ({ names }) => ({ 200: json(description, schemaRef(names.resource), { ETag: RESPONSE_HEADERS.etag }) });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

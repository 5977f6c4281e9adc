import {
  querySchemas, resourceSchemaNames, resourceSchemas, sharedSchemas,
  type DescribedRoute, type PluginOperations, type QueryLimits, type ResourceModel, type SecurityScheme,
} from '../../lib/plugin-api.js';
import { problemResponse, RESPONSE_HEADERS, sharedHeaders, sharedParameters, sharedResponses, type ProblemStatus } from './components.js';
import { describeOperation, openApiPath } from './operations.js';
import { securityParts } from './security.js';
import type { OpenApiDocument, OperationObject, ServerObject } from './types.js';

/** What the document is built from. */
export interface DocumentInput {
  readonly models: readonly ResourceModel[];
  /** The operation table: one OpenAPI operation per operation of each resource. */
  readonly operations: PluginOperations;
  readonly limits: QueryLimits;
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly servers?: readonly ServerObject[];
  /** Problem statuses every operation may answer besides its own (401 when callers can authenticate, 403 when permissions are checked). */
  readonly commonProblems?: readonly ProblemStatus[];
  /** Routes plugins serve themselves and described (`context.describedRoutes()`), e.g. `GET /_events`. */
  readonly routes?: readonly DescribedRoute[];
  /** The security schemes plugins declared (`context.securitySchemes()`); none by default. */
  readonly securitySchemes?: Readonly<Record<string, SecurityScheme>>;
}

/**
 * Builds the OpenAPI 3.1 document from the models and the operation table: one operation per
 * operation of each resource (paths sorted, so the document is stable), the shared and
 * per-resource component schemas and those operations add, and the shared parameters, headers and
 * problem responses. operationIds are unique: bootstrap refused clashes. With security schemes,
 * the schemes and an optional top-level `security` (the 401 comes with `commonProblems`).
 */
export function buildOpenApiDocument(input: DocumentInput): OpenApiDocument {
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: { ...input.info },
    ...(input.servers ? { servers: input.servers.map((server) => ({ ...server })) } : {}),
    tags: [],
    paths: {},
    components: { schemas: sharedSchemas(), parameters: sharedParameters(), headers: sharedHeaders(), responses: sharedResponses() },
  };
  const security = securityParts(input.securitySchemes ?? {});
  if (security) {
    document.components.securitySchemes = security.securitySchemes;
    document.security = security.security;
  }
  for (const model of input.models) {
    Object.assign(document.components.schemas, resourceSchemas(model, input.models), querySchemas(model, resourceSchemaNames(model), input.limits));
    document.tags.push({ name: model.name, ...(model.description ? { description: model.description } : {}) });
    const operations = input.operations.of(model).map((definition) => ({ definition, path: openApiPath(model, definition) }));
    for (const { definition, path } of operations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      Object.assign(document.components.schemas, definition.components?.(model));
      (document.paths[path] ??= {})[definition.method] = describeOperation(model, definition, input.limits, input.commonProblems);
    }
  }
  for (const route of input.routes ?? []) {
    Object.assign(document.components.schemas, route.schemas);
    const operation = { ...route.operation } as unknown as OperationObject;
    const responses = { ...(operation.responses ?? {}) };
    for (const status of input.commonProblems ?? []) responses[status] ??= problemResponse(status);
    (document.paths[route.path] ??= {})[route.method] = { ...operation, responses };
  }
  if (input.models.some((model) => model.fields.some((field) => field.type.kind === 'blob'))) document.paths['/_blobs'] = blobUploadPath(input.commonProblems);
  return document;
}

/** `POST /_blobs` (docs/blobs.md), served by REST when some resource has a `@Blob()` field. */
function blobUploadPath(commonProblems: readonly ProblemStatus[] = []): OpenApiDocument['paths'][string] {
  const blob = {
    type: 'object',
    properties: {
      hash: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, size: { type: 'integer', minimum: 0 },
      contentType: { type: 'string' }, filename: { type: 'string' },
    },
    required: ['hash', 'size', 'contentType'],
  };
  const answer = (description: string) => ({ description, headers: { 'X-Request-Id': RESPONSE_HEADERS.requestId }, content: { 'application/json': { schema: blob } } });
  const problems = [...new Set<ProblemStatus>([400, 413, 415, ...commonProblems])].sort();
  return {
    post: {
      operationId: 'uploadBlob',
      summary: 'Upload a file for a @Blob field',
      description: 'Streams the raw body into the blob store, content-addressed by SHA-256 (the same bytes are stored once); the Content-Type is kept. Name the answer in a @Blob field of a write.',
      parameters: [
        { name: 'filename', in: 'query', schema: { type: 'string', minLength: 1, maxLength: 255 }, description: 'Kept in the answer as filename.' },
        { $ref: '#/components/parameters/RequestId' },
      ],
      requestBody: { required: true, content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
      responses: {
        201: answer('Stored.'),
        200: answer('Those bytes were stored already.'),
        ...Object.fromEntries(problems.map((status) => [status, problemResponse(status)])),
        default: problemResponse('default'),
      },
    },
  } as never;
}

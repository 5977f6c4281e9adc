import {
  querySchemas, resourceSchemaNames, resourceSchemas, sharedSchemas,
  type PluginOperations, type QueryLimits, type ResourceModel,
} from '../../lib/plugin-api.js';
import { problemResponse, RESPONSE_HEADERS, sharedHeaders, sharedParameters, sharedResponses, type ProblemStatus } from './components.js';
import { describeOperation, openApiPath } from './operations.js';
import type { OpenApiDocument, ServerObject } from './types.js';

/** What the document is built from. */
export interface DocumentInput {
  readonly models: readonly ResourceModel[];
  /** The operation table: one OpenAPI operation per operation of each resource. */
  readonly operations: PluginOperations;
  readonly limits: QueryLimits;
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly servers?: readonly ServerObject[];
  /** Problem statuses every operation may answer besides its own (401 and 403 when permissions are checked). */
  readonly commonProblems?: readonly ProblemStatus[];
}

/**
 * Builds the OpenAPI 3.1 document from the models and the operation table: one operation per
 * operation of each resource (paths sorted, so the document is stable), the shared and
 * per-resource component schemas and those operations add, and the shared parameters, headers and
 * problem responses. operationIds are unique: bootstrap refused clashes.
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
  for (const model of input.models) {
    Object.assign(document.components.schemas, resourceSchemas(model), querySchemas(model, resourceSchemaNames(model), input.limits));
    document.tags.push({ name: model.name, ...(model.description ? { description: model.description } : {}) });
    const operations = input.operations.of(model).map((definition) => ({ definition, path: openApiPath(model, definition) }));
    for (const { definition, path } of operations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      Object.assign(document.components.schemas, definition.components?.(model));
      (document.paths[path] ??= {})[definition.method] = describeOperation(model, definition, input.limits, input.commonProblems);
    }
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

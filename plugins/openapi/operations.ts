import {
  hasIdSegment, operationIdOf, resourceSchemaNames, searchParameters,
  type OperationDefinition, type OperationParameter, type QueryLimits, type ResourceModel,
} from '../../lib/plugin-api.js';
import { HEADER_PARAMETERS, problemResponse, RESPONSE_HEADERS, type ProblemStatus } from './components.js';
import type { OperationObject, ParameterObject, ReferenceObject, RequestBodyObject, ResponseObject } from './types.js';

const ID_PARAMETER: ParameterObject = { in: 'path', name: 'id', required: true, schema: { type: 'string' }, description: 'The resource id.' };

/** The OpenAPI path of an operation of a resource: `/users/{id}/switch/{n}`. */
export function openApiPath(model: ResourceModel, definition: OperationDefinition): string {
  const below = definition.path === '/' ? '' : definition.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return `/${model.names.path}${below}`;
}

/**
 * The OpenAPI operation of one operation of the table: parameters (path, query, search,
 * `If-Match`/`If-None-Match`, `X-Request-Id`), request body, the success response with the headers
 * its result kind carries, the problem responses it names, 500, and `default` for any other problem.
 */
export function describeOperation(model: ResourceModel, definition: OperationDefinition, limits: QueryLimits, commonProblems: readonly ProblemStatus[] = []): OperationObject {
  const own = (definition.parameters?.(model, limits) ?? []).filter((parameter) => !parameter.undocumented);
  const parameters: (ParameterObject | ReferenceObject)[] = [
    ...(hasIdSegment(definition.path) ? [ID_PARAMETER] : []),
    ...own.filter((parameter) => parameter.in === 'path').map(toParameter),
    ...own.filter((parameter) => parameter.in === 'query').map(toParameter),
    ...(definition.search ? searchParameters(model, resourceSchemaNames(model), limits, definition.search === 'count') : []),
  ];
  if (definition.conditional === 'If-Match') parameters.push(HEADER_PARAMETERS.ifMatch);
  if (definition.conditional === 'If-None-Match') parameters.push(HEADER_PARAMETERS.ifNoneMatch);
  parameters.push(HEADER_PARAMETERS.requestId);
  const responses: OperationObject['responses'] = successResponses(model, definition);
  for (const status of [...definition.problems, ...commonProblems, 500].sort()) responses[status] = problemResponse(status as ProblemStatus);
  responses.default = problemResponse('default');
  const body = requestBody(model, definition);
  return {
    operationId: operationIdOf(model, definition),
    summary: definition.summary(model),
    tags: [model.name],
    parameters,
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

function toParameter({ kind: _kind, undocumented: _undocumented, ...parameter }: OperationParameter): ParameterObject {
  return parameter as ParameterObject;
}

function requestBody(model: ResourceModel, definition: OperationDefinition): RequestBodyObject | undefined {
  const body = definition.body?.(model);
  if (!body) return undefined;
  // OpenAPI 3.1 has no item schema for streams; by convention the schema describes each line.
  const line = (schema: object) => (body.kind === 'ndjson' ? { ...schema, description: 'Each line of the body is one JSON record of this shape.' } : { ...schema });
  return {
    required: true,
    ...(body.description ? { description: body.description } : {}),
    content: Object.fromEntries(Object.entries(body.content).map(([type, schema]) => [type, { schema: line(schema) }])),
  };
}

function successResponses(model: ResourceModel, definition: OperationDefinition): Record<string, ResponseObject> {
  const result = definition.result(model);
  const headers: NonNullable<ResponseObject['headers']> = {};
  if (result.location) headers.Location = RESPONSE_HEADERS.location;
  if (result.kind === 'resource') headers.ETag = RESPONSE_HEADERS.etag;
  const readsResource = result.kind === 'resource' && definition.method === 'get';
  if (readsResource) headers['Accept-Patch'] = RESPONSE_HEADERS.acceptPatch;
  headers['X-Request-Id'] = RESPONSE_HEADERS.requestId;
  const response: ResponseObject = { description: result.description, headers };
  if (result.schema && result.kind !== 'empty') {
    const mediaType = result.kind === 'ndjson' ? 'application/x-ndjson' : 'application/json';
    const schema = result.kind === 'ndjson' ? { ...result.schema, description: 'Each line of the body is one JSON record of this shape.' } : { ...result.schema };
    response.content = { [mediaType]: { schema } };
  }
  if (result.kind === 'blob') {
    const bytes = { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } };
    const blobHeaders = {
      ETag: RESPONSE_HEADERS.etag, 'X-Request-Id': RESPONSE_HEADERS.requestId,
      'Content-Length': { description: 'Bytes in the body.', schema: { type: 'integer', minimum: 0 } },
    };
    return {
      200: { description: result.description, headers: blobHeaders, content: bytes },
      206: { description: 'The bytes a Range header asked for.', headers: { ...blobHeaders, 'Content-Range': { description: '`bytes <first>-<last>/<size>`.', schema: { type: 'string' } } }, content: bytes },
      304: { description: 'Not modified: If-None-Match matched the ETag.', headers: { ETag: RESPONSE_HEADERS.etag, 'X-Request-Id': RESPONSE_HEADERS.requestId } },
    };
  }
  const responses: Record<string, ResponseObject> = { [result.status]: response };
  if (readsResource && definition.conditional === 'If-None-Match') {
    responses[304] = {
      description: 'Not modified: If-None-Match matched the current ETag.',
      headers: { ETag: RESPONSE_HEADERS.etag, 'Accept-Patch': RESPONSE_HEADERS.acceptPatch, 'X-Request-Id': RESPONSE_HEADERS.requestId },
    };
  }
  return responses;
}

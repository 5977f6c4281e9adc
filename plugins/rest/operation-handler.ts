import type { Request, Response } from 'express';
import {
  hasIdSegment, PATCH_MEDIA_TYPES, sendJson, StrataError,
  type BlobDownload, type OperationBody, type OperationCall, type OperationDefinition, type OperationParameter, type OperationResult, type PatchFormat, type PluginContext, type ResourceModel,
} from '../../lib/plugin-api.js';
import { sendBlob } from './blobs.js';
import { readNdjson, streamNdjson } from './ndjson.js';
import { checkIfMatch, flag, jsonBody, mediaType, notModified, positiveInteger, sendResource } from './request.js';

/** The `Accept-Patch` header value (RFC 5789). */
const ACCEPT_PATCH = Object.keys(PATCH_MEDIA_TYPES).join(', ');

const COUNT_PARAMETERS = ['where', 'filter', 'q', 'deleted'];
const NO_BODY: { body?: unknown; patchFormat?: PatchFormat } = {};

/** One operation of one resource, with what its description says worked out once, at mount. */
export interface RoutePlan {
  readonly definition: OperationDefinition;
  readonly model: ResourceModel;
  readonly parameters: readonly OperationParameter[];
  readonly body?: OperationBody;
  readonly result: OperationResult;
  readonly hasId: boolean;
}

/** The plan of an operation of a resource. */
export function planRoute(definition: OperationDefinition, model: ResourceModel, context: PluginContext): RoutePlan {
  const body = definition.body?.(model);
  return {
    definition, model, result: definition.result(model), hasId: hasIdSegment(definition.path),
    parameters: definition.parameters?.(model, context.options.limits) ?? [], ...(body ? { body } : {}),
  };
}

/**
 * Serves one operation of the table over HTTP: reads its parameters (path and query, by kind), its
 * search and its body, checks `If-Match` before the body is read (so a stale write is a 412 even
 * with a bad body), makes the operation's one call and writes its result.
 */
export async function handleOperation(plan: RoutePlan, context: PluginContext, request: Request, response: Response): Promise<Response> {
  const { definition, model, body } = plan;
  const user = await context.currentUser(request);
  // Every call of a request is checked: it runs as the caller (anonymous when null).
  const manager = context.manager(model.target as never).as(user);
  const id = plan.hasId ? request.params.id : undefined;
  const ifMatch = definition.conditional === 'If-Match' ? request.header('If-Match') : undefined;
  if (body && ifMatch !== undefined && id !== undefined) checkIfMatch(request, await manager.get(id, { user }));
  rejectPrototypeKeys(request);
  if (!definition.search) rejectUnknownParameters(plan.parameters, request);
  const parameters = readParameters(plan.parameters, request);
  const { body: parsed, patchFormat } = body ? readBody(body, request, response) : NO_BODY;
  const call: OperationCall = {
    model, manager, user, limits: context.options.limits, parameters, id, ifMatch, body: parsed, patchFormat,
    search: definition.search ? readSearch(definition.search, request) : undefined,
  };
  const value = await definition.invoke(call);
  return sendResult(plan, value, request, response, context);
}

const PROTOTYPE_KEYS = /(?:^|\[|\.)(?:__proto__|constructor|prototype)(?:\]|\.|$)/;

/**
 * The query parser drops `__proto__`, `constructor` and `prototype` keys without a word, which
 * would turn `where[__proto__][x]=1` into no filter at all: such a key is a 400 instead.
 */
function rejectPrototypeKeys(request: Request): void {
  const query = request.originalUrl.indexOf('?');
  if (query === -1) return;
  const text = request.originalUrl.slice(query + 1);
  // Only a query that spells one of the names, or hides it in percent-encoding, needs a closer look.
  if (!/proto|constructor|%/i.test(text)) return;
  for (const key of new URLSearchParams(text).keys()) {
    if (PROTOTYPE_KEYS.test(key)) throw StrataError.badQuery(`query parameter ${key.slice(0, 100)} is not allowed`, [{ path: key.slice(0, 100), message: `${key.slice(0, 100)} is not allowed`, constraint: 'forbiddenKey' }]);
  }
}

/** A route without a search takes only its own query parameters; any other is a 400 naming them. */
function rejectUnknownParameters(parameters: readonly OperationParameter[], request: Request): void {
  const known = new Set(parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name));
  const unknown = Object.keys(request.query).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw StrataError.badQuery(`unknown query parameter(s) ${unknown.slice(0, 10).join(', ')}; this route takes ${[...known].join(', ') || 'none'}`);
  }
}

/** Path and query parameters by their kind; a value that does not fit is a 400. */
function readParameters(parameters: readonly OperationParameter[], request: Request): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const parameter of parameters) {
    const raw = parameter.in === 'path' ? request.params[parameter.name] : request.query[parameter.name];
    if (raw === undefined) {
      if (parameter.required) throw StrataError.badRequest(`${parameter.name} is required`);
      continue;
    }
    switch (parameter.kind) {
      case 'positiveInteger': values[parameter.name] = positiveInteger(raw, parameter.name); break;
      case 'boolean': values[parameter.name] = flag(raw, parameter.name); break;
      case 'string':
      case 'dateTime':
        if (typeof raw !== 'string') throw StrataError.badRequest(`${parameter.name} must be one ${parameter.kind === 'dateTime' ? 'ISO-8601 date-time' : 'string'}`);
        values[parameter.name] = raw;
        break;
    }
  }
  return values;
}

/** The search in the query string: all of it for a list (the manager checks it), the filters for a count. */
function readSearch(kind: 'list' | 'count', request: Request): Record<string, unknown> {
  const query = request.query as Record<string, unknown>;
  if (kind === 'list') return query;
  const unknown = Object.keys(query).filter((name) => !COUNT_PARAMETERS.includes(name));
  if (unknown.length > 0) throw StrataError.badQuery(`unknown parameter(s) ${unknown.join(', ')}; _count takes ${COUNT_PARAMETERS.join(', ')}`);
  return Object.fromEntries(COUNT_PARAMETERS.filter((name) => query[name] !== undefined).map((name) => [name, query[name]]));
}

/** The body in one of the media types the operation takes (else 415), parsed. */
function readBody(body: OperationBody, request: Request, response: Response): { body: unknown; patchFormat?: PatchFormat } {
  const types = Object.keys(body.content);
  switch (body.kind) {
    case 'json':
      return { body: jsonBody(request, types) };
    case 'ndjson': {
      if (!types.includes(mediaType(request))) {
        throw new StrataError('UNSUPPORTED_MEDIA_TYPE', `${request.path.split('/').pop()} takes ${types.join(' or ')}; got ${mediaType(request) || 'no Content-Type'}`);
      }
      return { body: readNdjson(request) };
    }
    case 'patch': {
      const format = (PATCH_MEDIA_TYPES as Record<string, PatchFormat>)[mediaType(request)];
      if (!format || !types.includes(mediaType(request))) {
        response.setHeader('Accept-Patch', ACCEPT_PATCH);
        throw new StrataError('UNSUPPORTED_MEDIA_TYPE', `PATCH takes ${types.join(', ')}; got ${mediaType(request) || 'no Content-Type'}`);
      }
      return { body: jsonBody(request, types), patchFormat: format };
    }
  }
}

/** Writes what the operation returned as its result kind says. */
async function sendResult({ definition, model, result }: RoutePlan, value: unknown, request: Request, response: Response, context: PluginContext): Promise<Response> {
  switch (result.kind) {
    case 'empty':
      response.status(result.status).end();
      return response;
    case 'json':
      return sendJson(response, result.status, value);
    case 'ndjson':
      return streamNdjson(response, value as AsyncIterator<unknown>, context.logger);
    case 'blob':
      return sendBlob(request, response, value as BlobDownload, context.logger);
    case 'resource': {
      const resource = value as { id: string; _meta: { etag: string } };
      const headers: Record<string, string> = {};
      if (result.location) headers.Location = `${request.baseUrl}/${model.names.path}/${encodeURIComponent(resource.id)}`;
      if (definition.method === 'get') {
        response.setHeader('Accept-Patch', ACCEPT_PATCH);
        // The ETag is the resource's own: it says nothing of expanded references, so they are always sent.
        if (definition.conditional === 'If-None-Match' && !('_expanded' in resource) && notModified(request, resource._meta.etag)) {
          response.setHeader('ETag', resource._meta.etag);
          response.status(304).end();
          return response;
        }
      }
      return sendResource(response, result.status, value as never, headers);
    }
  }
}

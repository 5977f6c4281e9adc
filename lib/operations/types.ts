import type { Readable } from 'node:stream';
import type { BlobValue } from '../manager/blobs.js';
import type { CurrentUser, WriteOptions } from '../manager/context.js';
import type { PatchFormat } from '../manager/patch.js';
import type { ResourceManager } from '../manager/ResourceManager.js';
import type { ResourceModel } from '../metadata/model.js';
import type { QueryLimits } from '../query/index.js';
import type { ParameterSchema, SchemaObject } from '../schema/types.js';

/** The permission actions of docs/permissions.md; every operation needs exactly one. */
export const ACTIONS = [
  'read', 'list', 'create', 'update', 'delete', 'restore', 'purge', 'history',
  'switch', 'revert', 'publish', 'export', 'import', 'rerun', 'cancel',
] as const;

/** A permission action an operation needs. */
export type Action = (typeof ACTIONS)[number];

/** HTTP methods an operation can be served with. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * How a path or query parameter is read: `string` as is, `positiveInteger` a whole number ≥ 1
 * (REST answers 400 `BAD_REQUEST` to anything else), `boolean` `true`/`false` (a bare `?flag` is
 * true), `dateTime` an ISO-8601 text passed on as is (the operation checks it). An absent
 * parameter is undefined, unless `required` (then a 400).
 */
export type ParameterKind = 'string' | 'positiveInteger' | 'boolean' | 'dateTime';

/** One path or query parameter: how to read it and how it is documented. */
export interface OperationParameter extends ParameterSchema {
  readonly in: 'path' | 'query';
  readonly kind: ParameterKind;
  /** Read but left out of documents (e.g. `draft` where there are no drafts: the manager refuses it). */
  readonly undocumented?: boolean;
}

/**
 * The body an operation takes. `json`: one JSON document; `patch`: a JSON Patch or a merge patch,
 * told apart by media type (`call.patchFormat`); `ndjson`: JSON records, one per line (`call.body`
 * is the array). `content` maps each accepted media type to the schema of the body (of each line,
 * for NDJSON); another media type is a 415.
 */
export interface OperationBody {
  readonly kind: 'json' | 'patch' | 'ndjson';
  readonly description?: string;
  readonly content: Readonly<Record<string, SchemaObject>>;
  /** Read with the larger import limit instead of the regular body limit. */
  readonly large?: boolean;
}

/**
 * What an operation returns. `resource`: one resource (with its ETag); `json`: any JSON value of
 * `schema`; `empty`: nothing (204 over HTTP, `true` over GraphQL); `ndjson`: an async iterable of
 * records, streamed one JSON document per line; `blob`: a `{ value, open(range?) }` (BlobDownload)
 * streamed as its bytes with their Content-Type, ETag and Range support.
 */
export interface OperationResult {
  readonly status: 200 | 201 | 204;
  readonly kind: 'resource' | 'json' | 'empty' | 'ndjson' | 'blob';
  readonly description: string;
  readonly schema?: SchemaObject;
  /** A create: the answer carries the new resource's URL in `Location`. */
  readonly location?: boolean;
}

/** What an operation with a `blob` result returns: the blob's descriptor and a way to read its bytes. */
export interface BlobDownload {
  readonly value: BlobValue;
  open(range?: { start: number; end: number }): Readable;
}

/** What an operation's `invoke` receives: one call, whatever the transport. */
export interface OperationCall {
  readonly model: ResourceModel;
  readonly manager: ResourceManager;
  readonly user: CurrentUser | null;
  readonly limits: QueryLimits;
  /** The resource id, for operations on one resource (path `/:id…`). */
  readonly id?: string;
  /** Path and query parameters by name, read by their kind (absent ones are undefined). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The search of operations with `search`: the query language input (docs/search.md). */
  readonly search?: Record<string, unknown>;
  /** The parsed body of operations with `body`. */
  readonly body?: unknown;
  /** How a `patch` body is to be read. */
  readonly patchFormat?: PatchFormat;
  /** Preconditions of a write to an existing resource (RFC 9110 If-Match; GraphQL's expectedRevision). */
  readonly ifMatch?: string;
  readonly expectedRevision?: number;
}

/**
 * One operation of a resource, described once: REST routes, the OpenAPI document, GraphQL fields
 * and every other transport are derived from it (docs/architecture.md).
 * @example
 * context.operations.add({
 *   name: 'archive', action: 'update', mutates: true, method: 'post', path: '/:id/archive',
 *   summary: (model) => `Archive ${withArticle(model.name)}`, conditional: 'If-Match',
 *   result: resourceResult('The archived resource.'), problems: [404, 409, 410, 412],
 *   invoke: (call) => call.manager.patch(idOf(call), { archived: true }, writeOptionsOf(call)),
 * }, { resources: [Article] });
 */
export interface OperationDefinition {
  /** Unique per resource (`create`, `get`, `rerun` …); an added operation with a built-in's name replaces it. */
  readonly name: string;
  /** The permission action it needs. */
  readonly action: Action;
  /**
   * The action a call needs when a parameter changes what the call does (`DELETE ?purge=true`
   * needs `purge`, `GET /:id?revision=n` needs `history`); default `action`.
   */
  actionFor?(parameters: Readonly<Record<string, unknown>>): Action;
  /** True when it writes. */
  readonly mutates: boolean;
  readonly method: HttpMethod;
  /** Path below the collection: `/`, `/_search`, `/:id`, `/:id/switch/:n`. `:id` is the resource id. */
  readonly path: string;
  summary(model: ResourceModel): string;
  /** A longer description for documents and GraphQL; default `summary`. */
  description?(model: ResourceModel): string;
  /** The operationId (and GraphQL field stem); default `<name><Type>`. `one`/`many`: `User`/`Users`. */
  operationId?(one: string, many: string): string;
  /** Path (besides `id`) and query parameters. */
  parameters?(model: ResourceModel, limits: QueryLimits): OperationParameter[];
  /** Takes a search in the query string: `list` (every search parameter) or `count` (filters only). */
  readonly search?: 'list' | 'count';
  body?(model: ResourceModel): OperationBody;
  /** The precondition header it honours. */
  readonly conditional?: 'If-Match' | 'If-None-Match';
  result(model: ResourceModel): OperationResult;
  /** Component schemas the operation refers to besides the resources' own (by name). */
  components?(model: ResourceModel): Record<string, SchemaObject>;
  /** Problem statuses it can answer besides 500. */
  readonly problems: readonly number[];
  /** Does the operation exist for this resource? Default: yes. */
  appliesTo?(model: ResourceModel): boolean;
  /** Runs the operation: one manager call (the rules live in the manager). */
  invoke(call: OperationCall): Promise<unknown>;
}

/** True when `path` has the `:id` segment, so the operation acts on one resource. */
export function hasIdSegment(path: string): boolean {
  return /(^|\/):id(\/|$)/.test(path);
}

/** The write options of a call: its user and preconditions, and `draft` when asked for. */
export function writeOptionsOf(call: OperationCall, extra: Partial<WriteOptions> = {}): WriteOptions {
  return {
    user: call.user,
    ...(call.ifMatch !== undefined ? { ifMatch: call.ifMatch } : {}),
    ...(call.expectedRevision !== undefined ? { expectedRevision: call.expectedRevision } : {}),
    ...extra,
  };
}

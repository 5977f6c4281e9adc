import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** One HTTP request and its response, as a test saw them. */
export interface HttpExchange {
  /** Request method, any case (`get`, `POST` …). */
  method: string;
  /** Request path, e.g. `/users/0193…/revisions/2`; a query string is ignored. */
  path: string;
  status: number;
  headers: Headers | Record<string, string>;
  /** Parsed JSON, the raw text (NDJSON, or JSON to be parsed), or undefined/'' for no body. NDJSON may also be given parsed, as an array of records. */
  body: unknown;
}

/** Checks one exchange against the document; throws an Error naming the mismatch. */
export type OpenApiChecker = (exchange: HttpExchange) => void;

type JsonObject = Record<string, unknown>;
interface MediaTypeObject { schema?: JsonObject }
interface HeaderObject { required?: boolean; schema?: JsonObject }
interface ResponseObject { headers?: Record<string, HeaderObject>; content?: Record<string, MediaTypeObject> }
interface OperationObject { operationId?: string; responses?: Record<string, ResponseObject> }
interface DocumentShape {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonObject> };
}

interface OperationEntry {
  method: string;
  template: string;
  pattern: RegExp;
  parameterCount: number;
  operation: OperationObject;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'urn:strata:openapi-under-test';
const COMPONENT_SCHEMA_PREFIX = '#/components/schemas/';
// OpenAPI's own schema keywords (the OAS base vocabulary) are annotations for a validator.
const OPENAPI_SCHEMA_KEYWORDS = ['discriminator', 'xml', 'externalDocs', 'example'];
const addFormats = addFormatsModule.default;

/**
 * Compiles an OpenAPI 3.1 document into a checker for real exchanges: the operation is found from
 * the concrete path (templates such as `/users/{id}/revisions/{n}` match, literal segments win over
 * templated ones), the status must be documented (or `default`), the Content-Type must be one the
 * response lists, required response headers must be present, and JSON bodies (each line of an
 * NDJSON body) must match the schema under Ajv's draft 2020-12 with formats.
 * @example
 * const check = compileOpenApiChecker(await (await fetch(`${base}/openapi.json`)).json());
 * check({ method: 'GET', path: '/users/1', status: 404, headers: response.headers, body: await response.json() });
 */
export function compileOpenApiChecker(document: object): OpenApiChecker {
  const spec = document as DocumentShape;
  // Unknown keywords are typos and fail; how a valid schema spells its types is the document's business.
  const ajv = new Ajv2020({ allErrors: true, strictSchema: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false });
  addFormats(ajv);
  for (const keyword of OPENAPI_SCHEMA_KEYWORDS) ajv.addKeyword(keyword);
  // OpenAPI allows any format (int64, password …); those Ajv does not know are annotations only.
  for (const format of formatsIn(document)) if (!ajv.formats[format]) ajv.addFormat(format, true);
  ajv.addSchema({ $id: DOCUMENT_ID, $defs: rewriteComponentRefs(spec.components?.schemas ?? {}) });
  const operations = collectOperations(spec);
  const validators = new WeakMap<object, ValidateFunction>();
  const validatorFor = (schema: JsonObject): ValidateFunction => {
    let validate = validators.get(schema);
    if (!validate) {
      validate = ajv.compile(rewriteComponentRefs(schema) as JsonObject);
      validators.set(schema, validate);
    }
    return validate;
  };
  const resolve = <T>(node: T): T => resolveReference(spec, node);

  return (exchange) => {
    const method = exchange.method.toLowerCase();
    const path = exchange.path.split('?')[0];
    const { entry, label } = findOperation(operations, method, path);
    const fail = (message: string): never => {
      throw new Error(`OpenAPI mismatch for ${label} (${exchange.method.toUpperCase()} ${path} → ${exchange.status}): ${message}`);
    };

    const responses = entry.operation.responses ?? {};
    const key = [String(exchange.status), `${String(exchange.status)[0]}XX`, 'default'].find((candidate) => responses[candidate]);
    if (!key) fail(`status ${exchange.status} is not documented; documented: ${Object.keys(responses).join(', ')}`);
    const response = resolve(responses[key!]);
    const headers = normalizeHeaders(exchange.headers);

    for (const [name, headerOrReference] of Object.entries(response.headers ?? {})) {
      const header = resolve(headerOrReference);
      const value = headers.get(name.toLowerCase());
      // OpenAPI says a Content-Type header definition is ignored: content describes it.
      if (name.toLowerCase() === 'content-type') continue;
      if (value === undefined) {
        if (header.required) fail(`required response header ${name} is missing`);
        continue;
      }
      if (header.schema && header.schema.type === 'string') {
        const validate = validatorFor(header.schema);
        if (!validate(value)) fail(`response header ${name}: ${ajv.errorsText(validate.errors, { dataVar: name })}`);
      }
    }

    const content = response.content ?? {};
    const empty = exchange.body === undefined || exchange.body === null || exchange.body === '';
    if (Object.keys(content).length === 0) {
      if (!empty) fail(`status ${key} is documented without a body, but the response has one`);
      return;
    }
    const contentType = (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!contentType) fail(`status ${key} is documented with ${Object.keys(content).join(', ')}, but the response has no Content-Type`);
    const mediaKey = Object.keys(content).find((candidate) => mediaTypeMatches(candidate, contentType));
    if (!mediaKey) fail(`Content-Type ${contentType} is not documented for ${key}; documented: ${Object.keys(content).join(', ')}`);
    const schema = content[mediaKey!].schema;
    if (!schema) return;
    const validate = validatorFor(schema);
    const check = (value: unknown, where: string) => {
      if (!validate(value)) fail(`${where} does not match the ${mediaKey} schema: ${ajv.errorsText(validate.errors, { dataVar: where })}`);
    };
    if (isLineDelimitedJson(mediaKey!)) {
      // The text as sent, or records a harness already parsed (an array of them, or a single one).
      const lines = empty ? [] : typeof exchange.body === 'string' ? exchange.body.split('\n').filter((line) => line.trim() !== '')
        : Array.isArray(exchange.body) ? exchange.body : [exchange.body];
      lines.forEach((line, index) => check(typeof line === 'string' ? parseJson(line, `line ${index + 1}`, fail) : line, `line ${index + 1}`));
    } else if (isJson(mediaKey!)) {
      check(typeof exchange.body === 'string' ? parseJson(exchange.body, 'the body', fail) : exchange.body, 'body');
    } else {
      check(exchange.body, 'body');
    }
  };
}

/** Every operation of the document with a matcher for its path template. */
function collectOperations(spec: DocumentShape): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [template, pathItem] of Object.entries(spec.paths ?? {})) {
    const segments = template.split('/').map((segment) =>
      segment.replace(/\{[^}]+\}|[^{]+/g, (part) => (part.startsWith('{') ? '([^/]+)' : escapeRegExp(part))));
    const parameterCount = (template.match(/\{[^}]+\}/g) ?? []).length;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (operation) entries.push({ method, template, pattern: new RegExp(`^${segments.join('/')}/?$`), parameterCount, operation });
    }
  }
  return entries;
}

/** The operation of `method` whose template matches `path`, preferring the fewest templated segments. */
function findOperation(operations: readonly OperationEntry[], method: string, path: string): { entry: OperationEntry; label: string } {
  const matching = operations.filter((entry) => entry.pattern.test(path)).sort((a, b) => a.parameterCount - b.parameterCount);
  if (matching.length === 0) throw new Error(`OpenAPI mismatch: no path of the document matches ${path}`);
  const entry = matching.find((candidate) => candidate.method === method);
  if (!entry) {
    const documented = [...new Set(matching.map((candidate) => `${candidate.method.toUpperCase()} ${candidate.template}`))].join(', ');
    throw new Error(`OpenAPI mismatch: ${method.toUpperCase()} ${path} is not documented; documented for this path: ${documented}`);
  }
  return { entry, label: `${entry.operation.operationId ?? `${method.toUpperCase()} ${entry.template}`}` };
}

/** Follows local `$ref`s (`#/components/…`) until a non-reference object is reached. */
function resolveReference<T>(spec: DocumentShape, node: T): T {
  let current: unknown = node;
  for (let depth = 0; depth < 20; depth++) {
    const reference = (current as { $ref?: unknown } | undefined)?.$ref;
    if (typeof reference !== 'string' || !reference.startsWith('#/')) return current as T;
    current = reference.slice(2).split('/')
      .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((object, token) => (object as JsonObject | undefined)?.[token], spec);
    if (current === undefined) throw new Error(`OpenAPI document: ${reference} does not resolve`);
  }
  throw new Error('OpenAPI document: $ref chain is longer than 20 steps');
}

/** A deep copy of `schema` whose `#/components/schemas/X` references point into the registered `$defs`. */
function rewriteComponentRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteComponentRefs);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key,
    key === '$ref' && typeof value === 'string' && value.startsWith(COMPONENT_SCHEMA_PREFIX)
      ? `${DOCUMENT_ID}#/$defs/${value.slice(COMPONENT_SCHEMA_PREFIX.length)}`
      : rewriteComponentRefs(value)]));
}

/** Every string value of a `format` keyword anywhere in the document. */
function formatsIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => formatsIn(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'format' && typeof value === 'string') found.add(value);
      else formatsIn(value, found);
    }
  }
  return found;
}

function normalizeHeaders(headers: Headers | Record<string, string>): Map<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return new Map(entries.map(([name, value]) => [name.toLowerCase(), String(value)]));
}

/** `application/*` and `*\/*` ranges match as RFC 9110 media ranges do. */
function mediaTypeMatches(documented: string, actual: string): boolean {
  const [type, subtype] = documented.toLowerCase().split(';')[0].trim().split('/');
  const [actualType, actualSubtype] = actual.split('/');
  return (type === '*' || type === actualType) && (subtype === '*' || subtype === actualSubtype);
}

function isJson(mediaType: string): boolean {
  return /^application\/(.+\+)?json$/i.test(mediaType.split(';')[0].trim());
}

function isLineDelimitedJson(mediaType: string): boolean {
  return /^application\/(x-ndjson|jsonl|x-jsonlines)$/i.test(mediaType.split(';')[0].trim());
}

function parseJson(text: string, what: string, fail: (message: string) => never): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import assert from 'node:assert/strict';
import type { TestApp } from './http.js';

/** One error of a GraphQL response as Strata sends it. */
export interface GraphQLErrorBody {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions: { code: string; errors?: { path: string; message: string; constraint?: string }[]; [key: string]: unknown };
}

/** A GraphQL response as the tests read it. */
export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  contentType: string;
  body: { data?: T | null; errors?: GraphQLErrorBody[] };
  text: string;
}

/** How `graphql` sends a request. */
export interface GraphQLRequestOptions {
  variables?: Record<string, unknown>;
  operationName?: string;
  /** GET puts the query in the URL; the default is POST with a JSON body. */
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Where the endpoint is (default `/graphql`). */
  path?: string;
}

/**
 * Sends a GraphQL request over HTTP (`Accept: application/graphql-response+json`) and checks what
 * every response must have: an `X-Request-Id`, the GraphQL media type, a `{ data?, errors? }` body,
 * an `extensions.code` on every error, and no stack trace.
 * @example const response = await graphql(app, 'query { users { items { id } } }');
 */
export async function graphql<T = any>(app: TestApp, query: string, options: GraphQLRequestOptions = {}): Promise<GraphQLResponse<T>> {
  const path = options.path ?? '/graphql';
  const headers: Record<string, string> = { accept: 'application/graphql-response+json', ...options.headers };
  let url = `${app.baseUrl}${path}`;
  let body: string | undefined;
  if (options.method === 'GET') {
    const parameters = new URLSearchParams({ query });
    if (options.variables) parameters.set('variables', JSON.stringify(options.variables));
    if (options.operationName) parameters.set('operationName', options.operationName);
    url += `?${parameters}`;
  } else {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify({ query, variables: options.variables, operationName: options.operationName });
  }
  const response = await fetch(url, { method: options.method ?? 'POST', headers, body });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  assert.ok(response.headers.get('x-request-id'), `${path} → ${response.status} has no X-Request-Id`);
  assert.match(contentType, /^application\/graphql-response\+json; charset=utf-8$/, `${path} → ${response.status} is ${contentType}: ${text}`);
  assert.doesNotMatch(text, /(?:\n|\\n)\s+at |"stack"|\.(?:ts|js):\d+/, `${path} → ${response.status} leaks a stack trace: ${text}`);
  const parsed = JSON.parse(text) as GraphQLResponse<T>['body'];
  for (const error of parsed.errors ?? []) {
    assert.equal(typeof error.message, 'string', `an error without a message: ${text}`);
    assert.equal(typeof error.extensions?.code, 'string', `an error without extensions.code: ${text}`);
  }
  return { status: response.status, headers: response.headers, contentType, body: parsed, text };
}

/** Asserts a successful response (200, no errors) and returns its data. */
export function expectData<T = any>(response: GraphQLResponse<T>): T {
  assert.equal(response.body.errors, undefined, `expected no errors, got ${response.text}`);
  assert.equal(response.status, 200, response.text);
  return response.body.data as T;
}

/**
 * Asserts that the response holds exactly one error, with `code` (and HTTP `status`, 200 by
 * default: field errors; request errors are 400), and returns it.
 */
export function expectError(response: GraphQLResponse, code: string, status = 200): GraphQLErrorBody {
  assert.equal(response.body.errors?.length, 1, `expected one ${code} error, got ${response.text}`);
  const [error] = response.body.errors!;
  assert.equal(error.extensions.code, code, `expected ${code}, got ${error.extensions.code}: ${error.message}`);
  assert.equal(response.status, status, `expected HTTP ${status} with ${code}, got ${response.status}: ${response.text}`);
  return error;
}

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { bootstrap, type BootstrapOptions, type Strata } from '../../index.js';
import { compileOpenApiChecker, type OpenApiChecker } from './openapi-check.js';

/** Options of `startApp`: bootstrap options (database defaults to SQLite in memory, plugins to the defaults). */
export interface TestAppOptions extends Partial<BootstrapOptions> {
  /** Called after bootstrap, before listening: the app's own routes and middleware go here. */
  afterBootstrap?(app: Express): void;
}

/** What `request` may send. `body` is sent as JSON; `rawBody` as is (no Content-Type added). */
export interface RequestOptions {
  body?: unknown;
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** A response as the tests read it: `body` is parsed for JSON and problem+json, else the text (undefined when empty). */
export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  contentType: string;
  body: T;
  text: string;
}

/** A Strata app listening on a random local port. */
export interface TestApp {
  readonly baseUrl: string;
  readonly strata: Strata;
  /** Sends a request and checks the response against the app's `/openapi.json`. */
  request<T = any>(method: string, path: string, init?: RequestOptions): Promise<TestResponse<T>>;
  /** Stops listening and closes the app. */
  close(): Promise<void>;
}

/**
 * Bootstraps `resources` on a fresh `express()` app (SQLite in memory, default plugins unless
 * `plugins` is given) and listens on port 0. Every response of `request` is checked against the
 * OpenAPI document the app serves, fetched once, so the functional suite verifies the document too.
 * @example const app = await startApp([User]); const response = await app.request('POST', '/users', { body: { name: 'Ada' } });
 */
export async function startApp(resources: Function[], options: TestAppOptions = {}): Promise<TestApp> {
  const { afterBootstrap, ...bootstrapOptions } = options;
  const app = express();
  const strata = await bootstrap(app, { database: 'sqlite::memory:', ...bootstrapOptions, resources });
  afterBootstrap?.(app);
  return serveApp(app, strata);
}

/** Listens with an app bootstrapped elsewhere (a sample's `createApp`), as `startApp` does. */
export async function serveApp(app: Express, strata: Strata): Promise<TestApp> {
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening)).once('error', reject);
    });
  } catch (error) {
    await strata.close();
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let checker: Promise<OpenApiChecker> | undefined;
  const checkerOf = () => (checker ??= (async () => {
    const response = await fetch(`${baseUrl}/openapi.json`);
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}; the OpenAPI plugin must be mounted`);
    return compileOpenApiChecker(await response.json() as object);
  })());

  return {
    baseUrl,
    strata,
    async request<T>(method: string, path: string, init: RequestOptions = {}): Promise<TestResponse<T>> {
      const headers: Record<string, string> = { ...init.headers };
      let body: string | Uint8Array | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      const parsed = /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType) && text !== '' ? JSON.parse(text) : text === '' ? undefined : text;
      const check = await checkerOf();
      check({ method, path, status: response.status, headers: response.headers, body: parsed });
      assert.ok(response.headers.get('x-request-id'), `${method} ${path} → ${response.status} has no X-Request-Id`);
      if (response.status >= 400) assertProblem(response.status, contentType, parsed, `${method} ${path}`);
      return { status: response.status, headers: response.headers, contentType, body: parsed as T, text };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await strata.close();
    },
  };
}

/** An RFC 9457 problem document as Strata sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string; constraint?: string }[];
}

/**
 * Asserts that an error response is `application/problem+json` with `type`, `title`, `status`
 * (equal to the HTTP status), `detail` and `code`, and carries no stack trace.
 */
export function assertProblem(status: number, contentType: string, body: unknown, what: string): asserts body is Problem {
  assert.match(contentType, /^application\/problem\+json\b/, `${what} → ${status} is ${contentType || 'untyped'}, not problem+json`);
  const problem = body as Problem;
  assert.equal(typeof problem, 'object', `${what} → ${status} has no problem document`);
  for (const member of ['type', 'title', 'detail', 'code'] as const) {
    assert.equal(typeof problem[member], 'string', `${what} → ${status}: problem.${member} is missing`);
  }
  assert.equal(problem.status, status, `${what}: problem.status ${problem.status} differs from the HTTP status ${status}`);
  const text = JSON.stringify(body);
  assert.doesNotMatch(text, /(?:\n|\\n)\s+at |"stack"|\.(?:ts|js):\d+/, `${what} → ${status} leaks a stack trace: ${text}`);
}

/**
 * Asserts that `response` is the problem of `code` with `status`, and returns the problem.
 * @example const problem = expectProblem(await app.request('GET', '/users/nope'), 404, 'NOT_FOUND');
 */
export function expectProblem(response: TestResponse, status: number, code: string): Problem {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${response.text}`);
  assertProblem(response.status, response.contentType, response.body, 'response');
  assert.equal(response.body.code, code, `expected code ${code}, got ${response.body.code}: ${response.body.detail}`);
  return response.body;
}

/** The NDJSON lines of a text body, parsed. */
export function ndjsonLines(text: string): unknown[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
}

import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openApiPlugin, restPlugin } from '../../index.js';
import { captureStderr, Contact, contactData, EXPLODE, failingPlugin, SECRET } from '../support/fixtures.js';
import { expectProblem, startApp, type Problem, type TestApp, type TestResponse } from '../support/http.js';

describe('REST errors', () => {
  let app: TestApp;
  let limited: TestApp;
  before(async () => {
    [app, limited] = await Promise.all([
      startApp([Contact], { plugins: [restPlugin(), openApiPlugin(), failingPlugin], logLevel: 'error' }),
      startApp([Contact], { plugins: [restPlugin({ bodyLimit: '1kb', importLimit: '4kb' }), openApiPlugin()] }),
    ]);
  });
  after(async () => { await Promise.all([app.close(), limited.close()]); });

  async function count(): Promise<number> {
    return (await app.request('GET', '/contacts/_count?deleted=include')).body.count;
  }

  describe('bodies', () => {
    it('malformed JSON is a 400 BAD_REQUEST on every route that takes a body', async () => {
      const created = (await app.request('POST', '/contacts', { body: contactData() })).body;
      const malformed = { rawBody: '{"name": "Ada",', headers: { 'content-type': 'application/json' } };
      for (const [method, path] of [['POST', '/contacts'], ['PUT', `/contacts/${created.id}`], ['PATCH', `/contacts/${created.id}`], ['POST', '/contacts/_search'], ['POST', '/contacts/_bulk']]) {
        const problem = expectProblem(await app.request(method, path, malformed), 400, 'BAD_REQUEST');
        assert.match(problem.detail, /JSON/, `${method} ${path}`);
      }
      expectProblem(await app.request('POST', '/contacts', { rawBody: '', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST');
    });

    it('a JSON body that is not an object is a 422', async () => {
      for (const body of [[contactData()], 'a string', 42, null]) {
        expectProblem(await app.request('POST', '/contacts', { rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } }), 422, 'VALIDATION_FAILED');
      }
    });

    it('an unknown property, id or _meta in a body is a 422 with errors[] naming each', async () => {
      const before = await count();
      const problem = expectProblem(await app.request('POST', '/contacts', { body: { ...contactData(), nickname: 'Ace', id: 'mine', _meta: { revision: 9 } } }), 422, 'VALIDATION_FAILED');
      const byPath = new Map(problem.errors!.map((error) => [error.path, error]));
      assert.deepEqual([...byPath.keys()].sort(), ['_meta', 'id', 'nickname']);
      for (const error of problem.errors!) {
        assert.equal(typeof error.message, 'string');
        assert.equal(typeof error.constraint, 'string');
      }
      assert.equal(await count(), before);

      const created = (await app.request('POST', '/contacts', { body: contactData() })).body;
      for (const extra of [{ id: created.id }, { _meta: created._meta }, { nickname: 'x' }]) {
        const response = await app.request('PUT', `/contacts/${created.id}`, { body: { ...contactData({ email: created.email }), ...extra } });
        assert.deepEqual(expectProblem(response, 422, 'VALIDATION_FAILED').errors?.map((error) => error.path), Object.keys(extra));
        const patched = await app.request('PATCH', `/contacts/${created.id}`, { body: extra });
        assert.deepEqual(expectProblem(patched, 422, 'VALIDATION_FAILED').errors?.map((error) => error.path), Object.keys(extra));
      }
      assert.equal((await app.request('GET', `/contacts/${created.id}`)).body._meta.revision, 1);
    });

    it('__proto__ and constructor in a body are 4xx and Object.prototype stays untouched', async () => {
      const before = await count();
      const attempts = [
        `{"name":"a","email":"a@example.com","title":"t","__proto__":{"polluted":"top"}}`,
        `{"name":"a","email":"a@example.com","title":"t","constructor":{"prototype":{"polluted":"constructor"}}}`,
        `{"__proto__":{"polluted":"only"}}`,
      ];
      for (const rawBody of attempts) {
        for (const path of ['/contacts', '/contacts/_search']) {
          const response = await app.request('POST', path, { rawBody, headers: { 'content-type': 'application/json' } });
          assert.ok(response.status >= 400 && response.status < 500, `${path} ${rawBody} → ${response.status}`);
          assert.equal(({} as Record<string, unknown>).polluted, undefined);
          assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
        }
      }
      assert.equal(await count(), before);
    });

    it('a body over the limit is a 413 PAYLOAD_TOO_LARGE (restPlugin({ bodyLimit }))', async () => {
      const big = contactData({ bio: 'x'.repeat(1500) });
      expectProblem(await limited.request('POST', '/contacts', { body: big }), 413, 'PAYLOAD_TOO_LARGE');
      const created = await limited.request('POST', '/contacts', { body: contactData({ bio: 'short' }) });
      assert.equal(created.status, 201);
      expectProblem(await limited.request('PUT', `/contacts/${created.body.id}`, { body: { ...big, email: created.body.email } }), 413, 'PAYLOAD_TOO_LARGE');
      expectProblem(await limited.request('PATCH', `/contacts/${created.body.id}`, { body: { bio: 'y'.repeat(1500) } }), 413, 'PAYLOAD_TOO_LARGE');
      expectProblem(await limited.request('POST', '/contacts/_bulk', { body: Array.from({ length: 8 }, () => contactData({ bio: 'b'.repeat(200) })) }), 413, 'PAYLOAD_TOO_LARGE');
      assert.equal((await limited.request('GET', '/contacts/_count')).body.count, 1);
    });

    it('_import has its own limit (restPlugin({ importLimit }))', async () => {
      const [line] = (await limited.request('GET', '/contacts/_export')).text.split('\n');
      assert.ok(line.length > 0 && line.length < 4096);
      const padded = `${line}\n${' '.repeat(5000)}\n`;
      expectProblem(await limited.request('POST', '/contacts/_import', { rawBody: padded, headers: { 'content-type': 'application/x-ndjson' } }), 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('problem+json', () => {
    it('every error is application/problem+json with type, title, status, detail, code and no stack trace', async () => {
      const created = (await app.request('POST', '/contacts', { body: contactData() })).body;
      await app.request('DELETE', `/contacts/${(await app.request('POST', '/contacts', { body: contactData() })).body.id}`);
      const deleted = (await app.request('GET', '/contacts?deleted=only&limit=1')).body.items[0].id;
      const cases: [() => Promise<TestResponse>, number, string][] = [
        [() => app.request('POST', '/contacts', { rawBody: '{', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST'],
        [() => app.request('POST', '/contacts', { body: { name: '' } }), 422, 'VALIDATION_FAILED'],
        [() => app.request('GET', '/contacts?sort=bio'), 400, 'BAD_QUERY'],
        [() => app.request('GET', '/contacts/00000000-0000-7000-8000-000000000000'), 404, 'NOT_FOUND'],
        [() => app.request('GET', `/contacts/${deleted}`), 410, 'GONE'],
        [() => app.request('POST', `/contacts/${created.id}/publish`), 409, 'CONFLICT'],
        [() => app.request('POST', '/contacts', { body: contactData({ email: created.email }) }), 409, 'UNIQUE_VIOLATION'],
        [() => app.request('PUT', `/contacts/${created.id}`, { body: contactData(), headers: { 'if-match': '"old"' } }), 412, 'PRECONDITION_FAILED'],
        [() => limited.request('POST', '/contacts', { body: contactData({ bio: 'z'.repeat(2000) }) }), 413, 'PAYLOAD_TOO_LARGE'],
        [() => app.request('PATCH', `/contacts/${created.id}`, { rawBody: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
        [() => app.request('POST', '/contacts', { body: contactData({ name: EXPLODE }) }), 500, 'INTERNAL'],
      ];
      const types = new Set<string>();
      const { result: responses } = await captureStderr(() => Promise.all(cases.map(([send]) => send())));
      for (const [index, [, status, code]] of cases.entries()) {
        const problem: Problem = expectProblem(responses[index], status, code);
        assert.ok(problem.title.length > 0);
        assert.ok(problem.detail.length > 0);
        assert.match(problem.type, /^[a-z][a-z0-9+.-]*:/, 'type is a URI');
        assert.ok(Array.isArray(problem.errors ?? []));
        types.add(problem.type);
      }
      assert.equal(types.size, cases.length, 'each code has its own type');
    });
  });

  describe('request ids', () => {
    it('every response carries an X-Request-Id, a fresh one per request', async () => {
      const responses = await Promise.all([
        app.request('GET', '/contacts'),
        app.request('GET', '/contacts/nope'),
        app.request('POST', '/contacts', { body: contactData() }),
        app.request('GET', '/contacts/_export'),
      ]);
      const ids = responses.map((response) => response.headers.get('x-request-id'));
      for (const id of ids) assert.ok(id && id.length > 0);
      assert.equal(new Set(ids).size, ids.length);
      const deleted = await app.request('DELETE', `/contacts/${responses[2].body.id}`);
      assert.equal(deleted.status, 204);
      assert.ok(deleted.headers.get('x-request-id'));
    });

    it('echoes the X-Request-Id a client sends, on successes and errors', async () => {
      for (const [method, path] of [['GET', '/contacts'], ['GET', '/contacts/nope'], ['GET', '/contacts?limit=100000']]) {
        const response = await app.request(method, path, { headers: { 'x-request-id': 'client-trace-42' } });
        assert.equal(response.headers.get('x-request-id'), 'client-trace-42', `${method} ${path}`);
      }
    });

    it('replaces a request id that is not a sensible token', async () => {
      const response = await app.request('GET', '/contacts', { headers: { 'x-request-id': 'x'.repeat(500) } });
      const id = response.headers.get('x-request-id')!;
      assert.ok(id.length > 0 && id.length <= 200);
    });
  });

  describe('unexpected errors', () => {
    it('a plain Error thrown in a hook is a 500 INTERNAL without details, logged with the request id', async () => {
      const before = await count();
      const { result: response, lines } = await captureStderr(() =>
        app.request('POST', '/contacts', { body: contactData({ name: EXPLODE }), headers: { 'x-request-id': 'trace-500' } }));
      const problem = expectProblem(response, 500, 'INTERNAL');
      assert.equal(response.headers.get('x-request-id'), 'trace-500');
      assert.ok(!response.text.includes(SECRET), 'the error message does not reach the client');
      assert.ok(!response.text.includes('failing-hook') && !/\bat\s/.test(problem.detail));
      assert.deepEqual(problem.errors ?? [], []);
      assert.equal(await count(), before, 'nothing stored');

      const entries = lines.flatMap((line) => line.split('\n')).filter((line) => line.trim().startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      const logged = entries.find((entry) => entry.requestId === 'trace-500');
      assert.ok(logged, `no log entry with the request id in: ${lines.join('')}`);
      assert.equal(logged.level, 'error');
      assert.ok(String(logged.error).includes(SECRET), 'the log keeps the real error');
    });

    it('a failing read is a 500 INTERNAL too, logged with a generated request id', async () => {
      const { result: response, lines } = await captureStderr(() => app.request('GET', `/contacts/${EXPLODE}`));
      expectProblem(response, 500, 'INTERNAL');
      const id = response.headers.get('x-request-id');
      assert.ok(lines.some((line) => line.includes(`"requestId":"${id}"`)), `no log entry with ${id}`);
      assert.ok(!response.text.includes(SECRET));
    });
  });

  describe("the app's own middleware", () => {
    let own: TestApp;
    const fellThrough: string[] = [];
    before(async () => {
      own = await startApp([Contact], {
        afterBootstrap(express) {
          express.get('/health', (_request, response) => { response.json({ ok: true }); });
          express.use((request, response) => {
            fellThrough.push(`${request.method} ${request.originalUrl}`);
            response.status(404).json({ error: 'the app\'s own 404' });
          });
        },
      });
    });
    after(async () => { await own.close(); });

    it('never runs after a REST route answered, and still serves what REST does not', async () => {
      const created = await own.request('POST', '/contacts', { body: contactData() });
      assert.equal(created.status, 201);
      const statuses = [
        (await own.request('GET', '/contacts')).status,
        (await own.request('GET', `/contacts/${created.body.id}`)).status,
        (await own.request('GET', `/contacts/${created.body.id}`, { headers: { 'if-none-match': created.body._meta.etag } })).status,
        (await own.request('PATCH', `/contacts/${created.body.id}`, { body: { age: 41 } })).status,
        (await own.request('GET', '/contacts/_export')).status,
        (await own.request('GET', '/contacts/00000000-0000-7000-8000-000000000000')).status,
        (await own.request('POST', '/contacts', { body: { name: '' } })).status,
        (await own.request('DELETE', `/contacts/${created.body.id}`)).status,
      ];
      assert.deepEqual(statuses, [200, 200, 304, 200, 200, 404, 422, 204]);
      assert.deepEqual(fellThrough, [], 'REST requests reached middleware registered after bootstrap');
      // Routes outside the REST contract are not in the OpenAPI document, so they are fetched directly.
      assert.deepEqual(await (await fetch(`${own.baseUrl}/health`)).json(), { ok: true });
      const unknown = await fetch(`${own.baseUrl}/elsewhere`);
      assert.deepEqual([unknown.status, await unknown.json()], [404, { error: "the app's own 404" }]);
      assert.deepEqual(fellThrough, ['GET /elsewhere']);
    });
  });
});

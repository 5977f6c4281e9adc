import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startApp, type TestApp } from '../support/http.js';
import {
  assertPrototypeUntouched, assertRestAnswer, bodyBytes, contentType, databaseDigest, FUZZ_RUNS, FUZZ_SEED, fuzzParameters,
  hostileJson, hostileString, Ledger, percentEncode, queryString, sendRaw, Specimen, specimenBody, type RawRequest,
} from '../support/hostile.js';

/**
 * Property-based hostile input against every REST endpoint family (issue 16): thousands of
 * generated requests with STRATA_FUZZ_FULL=1, a quick run in `npm test`; STRATA_FUZZ_SEED replays.
 * Every answer is a 2xx/3xx or a documented 4xx problem document (never a 5xx), no body holds a
 * stack trace, path or SQL, a refused request leaves the full export byte-identical, and
 * Object.prototype is untouched.
 */
describe(`REST under hostile input (seed ${FUZZ_SEED}, ${FUZZ_RUNS} cases per family)`, () => {
  let app: TestApp;
  const collections = ['/specimens', '/ledgers'];
  const ids: string[] = [];
  let digest = '';
  let created = 0;

  before(async () => {
    app = await startApp([Specimen, Ledger]);
    for (let index = 0; index < 5; index++) {
      const response = await app.request('POST', '/specimens', { body: { name: `Seed ${index}`, email: `seed-${index}@example.com`, age: index } });
      ids.push(response.body.id);
      await app.request('PATCH', `/specimens/${response.body.id}`, { body: { age: index + 10 } });
    }
    const ledger = await app.request('POST', '/ledgers', { body: { title: 'Book' } });
    ids.push(ledger.body.id);
    digest = await databaseDigest(app.baseUrl, collections);
  });
  after(() => app?.close());

  /** Sends one generated request and checks every invariant; a refused one must have changed nothing. */
  async function attack(request: RawRequest): Promise<void> {
    const what = `${request.method} ${request.path.slice(0, 200)}`;
    const response = await sendRaw(app.baseUrl, request);
    assertRestAnswer(response, what, request.method === 'HEAD');
    assertPrototypeUntouched(what);
    const now = await databaseDigest(app.baseUrl, collections);
    if (response.status >= 400) assert.equal(now, digest, `${what} → ${response.status} was refused but changed the database`);
    if (response.status === 201 && request.path === '/specimens') {
      const id = (JSON.parse(response.text) as { id?: string }).id;
      if (id) ids.push(id);
      created++;
    }
    digest = now;
  }

  const idOf = fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((index) => () => percentEncode(ids[index % ids.length])) },
    { weight: 2, arbitrary: hostileString.map((id) => () => percentEncode(id)) },
    { weight: 1, arbitrary: fc.constantFrom('%zz', '%', '%C0%AF', '%FF', '..%2F..%2Fetc', '_count', '_search').map((raw) => () => raw) },
  );
  const ifMatch = fc.option(fc.oneof(fc.constantFrom('*', 'current', 'W/*', '*, "x"', 'W/"x"', '""', 'garbage'), hostileString), { nil: undefined });
  const origin = fc.option(fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1'), { freq: 5, nil: undefined });

  async function headersFor(id: string, options: { type?: string; encoding?: string; ifMatch?: string; origin?: string }): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (options.type) headers['content-type'] = options.type;
    if (options.encoding) headers['content-encoding'] = options.encoding;
    if (options.origin) headers.origin = options.origin;
    if (options.ifMatch === 'current') {
      const current = await sendRaw(app.baseUrl, { method: 'GET', path: `/specimens/${id}` });
      const etag = current.headers.etag;
      if (typeof etag === 'string') headers['if-match'] = etag;
    } else if (options.ifMatch !== undefined) {
      headers['if-match'] = options.ifMatch.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '');
    }
    return headers;
  }

  it('creates and bulk creates', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('/specimens', '/specimens/_bulk', '/ledgers', '/specimens?draft=true', '/ledgers?draft=true', '/specimens?draft=maybe'),
      fc.oneof(
        specimenBody.map((body) => ({ bytes: Buffer.from(JSON.stringify(body)) })),
        fc.array(specimenBody, { maxLength: 3 }).map((items) => ({ bytes: Buffer.from(JSON.stringify(items)) })),
        bodyBytes,
      ),
      contentType, origin,
      async (path, body, type, from) => attack({ method: 'POST', path, body: body.bytes, headers: await headersFor('', { type, encoding: (body as { encoding?: string }).encoding, origin: from }) }),
    ), fuzzParameters('creates'));
  });

  it('lists, searches and counts', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET /specimens', 'GET /specimens/_count', 'POST /specimens/_search', 'GET /ledgers'),
      queryString,
      fc.oneof(
        fc.record({
          where: fc.option(fc.oneof(hostileJson, fc.constant({ or: Array.from({ length: 300 }, (_, index) => ({ nope: index })) })), { nil: undefined }),
          sort: fc.option(fc.oneof(hostileJson, fc.constant(JSON.parse(`${'['.repeat(3000)}${']'.repeat(3000)}`))), { nil: undefined }),
          limit: fc.option(hostileJson, { nil: undefined }),
          cursor: fc.option(hostileString, { nil: undefined }),
        }, { requiredKeys: [] }).map((body) => ({ bytes: Buffer.from(JSON.stringify(body)) })),
        bodyBytes,
      ),
      async (route, query, body) => {
        const [method, path] = route.split(' ');
        await attack({
          method, path: query ? `${path}?${query}` : path,
          ...(method === 'POST' ? { body: body.bytes, headers: await headersFor('', { type: 'application/json', encoding: (body as { encoding?: string }).encoding }) } : {}),
        });
      },
    ), fuzzParameters('lists and searches'));
  });

  it('reads, replaces, patches and deletes one resource', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'POST', 'HEAD', 'OPTIONS'),
      idOf, fc.option(queryString, { nil: undefined }),
      fc.oneof(
        specimenBody.map((body) => ({ bytes: Buffer.from(JSON.stringify(body)), type: 'application/json' })),
        fc.array(fc.record({
          op: fc.oneof(fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', '_get', 'ADD'), hostileString),
          path: fc.oneof(fc.constantFrom('/name', '/age', '/id', '/_meta', '/bio', '/nope', '/__proto__/x', '', '/tags/0'), hostileString),
          from: fc.constantFrom('/name', '/age', '/nope'),
          value: hostileJson,
        }, { requiredKeys: ['op'] }), { maxLength: 3 }).map((operations) => ({ bytes: Buffer.from(JSON.stringify(operations)), type: 'application/json-patch+json' })),
        fc.oneof(hostileJson, fc.constantFrom({ _meta: null }, { id: null }, { name: null }, { __proto__: null })).map((patch) => ({ bytes: Buffer.from(JSON.stringify(patch) ?? 'null'), type: 'application/merge-patch+json' })),
        fc.tuple(bodyBytes, contentType).map(([body, type]) => ({ ...body, type })),
      ),
      ifMatch, origin,
      async (method, id, query, body, match, from) => {
        const target = id();
        const headers = await headersFor(target, { type: body.type, encoding: (body as { encoding?: string }).encoding, ifMatch: match, origin: from });
        const path = `/specimens/${target}${query ? `?${query}` : ''}`;
        await attack({ method, path, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: body.bytes }) });
      },
    ), fuzzParameters('one resource'));
  });

  it('history: revisions, one revision, diff, switch, publish, restore', async () => {
    await fc.assert(fc.asyncProperty(
      idOf,
      fc.constantFrom('GET revisions', 'GET revisions/N', 'GET diff', 'POST switch/N', 'POST publish', 'POST restore'),
      fc.oneof(fc.constantFrom('0', '1', '2', '-1', '1.5', '1e300', '2147483648', '99999999999999999999', 'abc', '%zz', ''), fc.nat().map(String)),
      fc.option(queryString, { nil: undefined }),
      fc.option(fc.constantFrom('from=1&to=2', 'from=0&to=1', 'from=1e300&to=1', 'limit=0', 'limit=1', 'cursor=x', 'unknown=1', 'from=1'), { nil: undefined }),
      ifMatch, origin,
      async (id, route, n, query, known, match, from) => {
        const target = id();
        const [method, tail] = route.split(' ');
        const parameters = [known, query].filter(Boolean).join('&');
        const path = `/specimens/${target}/${tail.replace('N', n)}${parameters ? `?${parameters}` : ''}`;
        await attack({ method, path, headers: await headersFor(target, { ifMatch: match, origin: from, type: 'text/plain' }), ...(method === 'POST' ? { body: Buffer.from('x') } : {}) });
      },
    ), fuzzParameters('history'));
  });

  it('imports: forged records are refused whole, naming the line', async () => {
    const exported = (await sendRaw(app.baseUrl, { method: 'GET', path: '/specimens/_export' })).text.split('\n').filter(Boolean);
    const template = JSON.parse(exported[exported.length - 1]) as Record<string, any>;
    let fresh = 0;
    const forgeries: [string, (record: Record<string, any>, value: unknown) => void][] = [
      ['id', (record, value) => { record.id = value; }],
      ['revision', (record, value) => { record._meta.revision = value; }],
      ['revisionCount', (record, value) => { record._meta.revisionCount = value; }],
      ['n', (record, value) => { record.revisions[0].n = value; }],
      ['parent', (record, value) => { record.revisions[record.revisions.length - 1].parent = value; }],
      ['status', (record, value) => { record.revisions[0].status = value; }],
      ['createdAt', (record, value) => { record._meta.createdAt = value; }],
      ['revision createdAt', (record, value) => { record.revisions[0].createdAt = value; }],
      ['createdBy', (record, value) => { record._meta.createdBy = value; }],
      ['deletedAt', (record, value) => { record._meta.deletedAt = value; }],
      ['schemaVersion', (record, value) => { record.revisions[0].schemaVersion = value; }],
      ['data', (record, value) => { record.revisions[0].data = value; }],
      ['extra', (record, value) => { record._meta.extra = value; }],
      ['cycle', (record) => { record.revisions[0].parent = 2; }],
      ['none', () => undefined],
    ];
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...forgeries), fc.oneof(hostileJson, fc.constantFrom('draft', 'stable', 1e300, 2 ** 31, 0, 'yesterday', { id: 'x' }, 2))), { minLength: 1, maxLength: 3 }),
      fc.constantFrom('/specimens/_import', '/ledgers/_import', 'GET /specimens/_import'),
      fc.option(fc.constantFrom('gzip', 'identity'), { nil: undefined }),
      async (records, route, encoding) => {
        const lines = records.map(([[, forge], value]) => {
          const record = structuredClone(template);
          record.id = `imported-${FUZZ_SEED}-${fresh++}`;
          forge(record, value);
          return JSON.stringify(record);
        });
        const text = Buffer.from(`${lines.join('\n\n')}\n`);
        const [method, path] = route.startsWith('GET ') ? ['GET', route.slice(4)] : ['POST', route];
        const { gzipSync } = await import('node:zlib');
        await attack({ method, path, body: encoding === 'gzip' ? gzipSync(text) : text, headers: { 'content-type': 'application/x-ndjson', ...(encoding ? { 'content-encoding': encoding } : {}) } });
      },
    ), fuzzParameters('imports'));
  });

  it('any path, method, encoding and origin', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
      fc.constantFrom('specimens', 'ledgers'),
      fc.array(fc.oneof(hostileString.map(percentEncode), fc.constantFrom('%zz', '%E9', '%C3%28', '_import', '_export', 'specimens', 'ledgers', 'revisions', '..')), { minLength: 1, maxLength: 4 }),
      fc.option(queryString, { nil: undefined }),
      bodyBytes, contentType, origin,
      async (method, collection, segments, query, body, type, from) => {
        const path = `/${collection}/${segments.join('/')}${query ? `?${query}` : ''}`;
        await attack({ method, path, body: body.bytes, headers: await headersFor('', { type, encoding: (body as { encoding?: string }).encoding, origin: from }) });
      },
    ), fuzzParameters('paths'));
    assert.ok(created >= 0);
  });
});

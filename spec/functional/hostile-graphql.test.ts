import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ERROR_CODES } from '../../index.js';
import { startApp, type TestApp } from '../support/http.js';
import {
  assertNoLeak, assertPrototypeUntouched, databaseDigest, FUZZ_RUNS, FUZZ_SEED, fuzzParameters, hostileJson, hostileString,
  Ledger, nested, percentEncode, sendRaw, Specimen, specimenBody, type RawRequest,
} from '../support/hostile.js';

/**
 * Property-based hostile input against GraphQL (issue 16), per family: queries, mutations, documents
 * and the HTTP transport. Every answer is JSON with a documented `extensions.code` on each error
 * (never INTERNAL, never a 5xx), holds no stack trace, path or SQL; an operation that failed wrote
 * nothing; Object.prototype is untouched. STRATA_FUZZ_SEED replays, STRATA_FUZZ_FULL=1 runs thousands.
 */
describe(`GraphQL under hostile input (seed ${FUZZ_SEED}, ${FUZZ_RUNS} cases per family)`, () => {
  let app: TestApp;
  const collections = ['/specimens', '/ledgers'];
  const ids: string[] = [];
  let digest = '';

  before(async () => {
    app = await startApp([Specimen, Ledger]);
    for (let index = 0; index < 4; index++) {
      const created = await app.request('POST', '/specimens', { body: { name: `Seed ${index}`, email: `gql-${index}@example.com`, age: index } });
      ids.push(created.body.id);
      await app.request('PATCH', `/specimens/${created.body.id}`, { body: { age: index + 1 } });
    }
    digest = await databaseDigest(app.baseUrl, collections);
  });
  after(() => app?.close());

  /** Sends one request to /graphql and checks every invariant; `mutates` says whether a success may change the database. */
  async function attack(request: RawRequest, mutates: boolean): Promise<void> {
    const what = `${request.method} ${request.path.slice(0, 100)} ${request.body?.toString('utf8').slice(0, 200) ?? ''}`;
    const response = await sendRaw(app.baseUrl, request);
    assert.ok(response.status < 500, `${what} → ${response.status}: ${response.text.slice(0, 500)}`);
    assert.ok([200, 400, 403, 405, 413, 415].includes(response.status), `${what} → ${response.status}`);
    assertNoLeak(response.text, what);
    assertPrototypeUntouched(what);
    const body = JSON.parse(response.text) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[]; code?: string };
    // A write from another site is refused before GraphQL runs, with the problem document every HTTP route sends.
    if (response.status === 403) body.errors = [{ message: 'forbidden', extensions: { code: body.code } }];
    for (const error of body.errors ?? []) {
      const code = error.extensions?.code ?? '';
      assert.ok(Object.hasOwn(ERROR_CODES, code), `${what}: error without a documented code: ${JSON.stringify(error)}`);
      assert.notEqual(code, 'INTERNAL', `${what}: ${JSON.stringify(error)}`);
    }
    const now = await databaseDigest(app.baseUrl, collections);
    const failed = (body.errors?.length ?? 0) > 0;
    if (failed || !mutates) assert.equal(now, digest, `${what} → ${response.status} failed (or only read) but changed the database: ${response.text.slice(0, 300)}`);
    const created = (body.data?.createSpecimen as { id?: string } | undefined)?.id;
    if (created) ids.push(created);
    digest = now;
  }
  const post = (payload: unknown, headers: Record<string, string> = {}): RawRequest => ({
    method: 'POST', path: '/graphql', body: Buffer.from(JSON.stringify(payload)),
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
  });
  const idValue = fc.oneof(fc.nat().map((index) => ids[index % ids.length] ?? 'none'), hostileString);

  it('queries: one, list, diff with any argument values', async () => {
    const documents = [
      'query($id: ID!, $revision: Int) { specimen(id: $id, revision: $revision) { id name _meta { revision etag } } }',
      'query($where: SpecimenWhere, $sort: [SpecimenSort!], $limit: Int, $offset: Int, $cursor: String, $q: String, $total: Boolean) { specimens(where: $where, sort: $sort, limit: $limit, offset: $offset, cursor: $cursor, q: $q, total: $total) { items { id email } nextCursor total } }',
      'query($id: ID!, $from: Int!, $to: Int!) { specimenDiff(id: $id, from: $from, to: $to) }',
      'query($id: ID!) { specimen(id: $id) { id revisions(limit: 1000000) { items { revision } } } }',
    ];
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...documents),
      fc.record({
        id: idValue, revision: fc.oneof(fc.integer(), hostileJson), where: hostileJson, sort: hostileJson, limit: hostileJson,
        offset: hostileJson, cursor: hostileJson, q: hostileJson, total: hostileJson, from: fc.oneof(fc.integer(), hostileJson), to: fc.integer(),
      }, { requiredKeys: [] }),
      async (query, variables) => attack(post({ query, variables }), false),
    ), fuzzParameters('GraphQL queries'));
  });

  it('mutations: create, update, patch, delete, restore, switch, publish with any argument values', async () => {
    const documents = [
      'mutation($input: SpecimenInput!, $draft: Boolean) { createSpecimen(input: $input, draft: $draft) { id } }',
      'mutation($id: ID!, $input: SpecimenInput!, $expectedRevision: Int, $ifMatch: String, $draft: Boolean) { updateSpecimen(id: $id, input: $input, expectedRevision: $expectedRevision, ifMatch: $ifMatch, draft: $draft) { id } }',
      'mutation($id: ID!, $patch: SpecimenPatch!, $expectedRevision: Int, $ifMatch: String) { patchSpecimen(id: $id, patch: $patch, expectedRevision: $expectedRevision, ifMatch: $ifMatch) { id } }',
      'mutation($id: ID!, $ifMatch: String) { deleteSpecimen(id: $id, ifMatch: $ifMatch) }',
      'mutation($id: ID!) { restoreSpecimen(id: $id) { id } }',
      'mutation($id: ID!, $revision: Int!, $ifMatch: String) { switchSpecimen(id: $id, revision: $revision, ifMatch: $ifMatch) { id } }',
      'mutation($id: ID!) { publishSpecimen(id: $id) { id } }',
      'mutation($input: LedgerInput!) { createLedger(input: $input, draft: true) { id } }',
    ];
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...documents),
      fc.record({
        id: idValue, input: fc.oneof(specimenBody, hostileJson), patch: fc.oneof(specimenBody, hostileJson), draft: hostileJson,
        expectedRevision: fc.oneof(fc.integer(), hostileJson), ifMatch: fc.oneof(fc.constantFrom('*', 'W/*', '*, "x"', 'garbage', '""'), hostileString),
        revision: fc.oneof(fc.constantFrom(0, -1, 1, 2, 3, 2 ** 31 - 1), fc.integer(), hostileJson),
      }, { requiredKeys: ['id'] }),
      async (query, variables) => attack(post({ query, variables }), true),
    ), fuzzParameters('GraphQL mutations'));
  });

  it('documents: hostile query text, deep nesting, inline values', async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(
        hostileString,
        fc.string({ maxLength: 200 }),
        fc.constantFrom(
          `{ ${'specimens { items { id } } '.repeat(60)} }`,
          `query { specimens(where: ${'{ and: ['.repeat(300)}{}${'] }'.repeat(300)}) { items { id } } }`,
          `{ ${'a: specimens { items { id } } '.repeat(200)} }`,
          `{ ${'{'.repeat(5000)}${'}'.repeat(5000)} }`,
          'mutation { createSpecimen(input: { name: "\\u0000", email: "x@example.com" }) { id } }',
          'query { specimens(where: { name: { contains: "\\u0000" } }) { items { id } } }',
          'subscription { specimenChanged { id } }',
          'query { __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }',
        ),
        fc.tuple(fc.constantFrom('name', 'email', 'age', '__proto__', 'constructor'), hostileString).map(([field, value]) => `query { specimens(where: { ${field}: { eq: ${JSON.stringify(value)} } }) { items { id } } }`),
        fc.integer({ min: 1, max: 3000 }).map((depth) => `query($v: SpecimenWhere) { specimens(where: $v) { items { id } } }${' '.repeat(depth % 3)}`),
      ),
      fc.option(fc.oneof(hostileJson, fc.constant({ v: JSON.parse(nested(2000)) })), { nil: undefined }),
      async (query, variables) => attack(post({ query, variables }), true),
    ), fuzzParameters('GraphQL documents'));
  });

  it('transport: methods, media types, encodings, bodies, origins', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      fc.oneof(
        fc.constant(Buffer.from(JSON.stringify({ query: '{ specimens { items { id } } }' }))),
        fc.constant(Buffer.from(JSON.stringify({ query: 'mutation { createSpecimen(input: { name: "T", email: "t@example.com" }) { id } }' }))),
        hostileJson.map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
        fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
        fc.constant(Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])),
        fc.constant(Buffer.from(`{"query":"{ specimens { items { id } } }","variables":${nested(3000)}}`)),
      ),
      fc.constantFrom('application/json', 'text/plain', 'application/graphql', '', 'application/json; charset=latin1'),
      fc.constantFrom(undefined, 'gzip', 'gzip-fake', 'br', 'compress'),
      fc.constantFrom('application/graphql-response+json', 'application/json', 'text/xml', '*/*', ''),
      fc.constantFrom(undefined, 'https://evil.example'),
      fc.option(hostileString.map((text) => `?query=${percentEncode(text)}`), { nil: undefined }),
      async (method, body, type, encoding, accept, origin, query) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (accept) headers.accept = accept;
        if (origin) headers.origin = origin;
        if (encoding) headers['content-encoding'] = encoding === 'gzip-fake' ? 'gzip' : encoding;
        const bytes = encoding === 'gzip' ? gzipSync(body) : body;
        await attack({ method, path: `/graphql${query ?? ''}`, headers, ...(method === 'GET' ? {} : { body: bytes }) }, true);
      },
    ), fuzzParameters('GraphQL transport'));
  });
});

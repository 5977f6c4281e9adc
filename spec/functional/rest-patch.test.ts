import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Contact, contactData } from '../support/fixtures.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';

describe('REST PATCH', () => {
  let app: TestApp;
  before(async () => { app = await startApp([Contact]); });
  after(async () => { await app.close(); });

  /** Creates a contact with age 30 and a bio, the values the patches below test, replace and remove. */
  async function create(): Promise<Record<string, any>> {
    const response = await app.request('POST', '/contacts', { body: contactData({ age: 30, bio: 'bio' }) });
    assert.equal(response.status, 201, response.text);
    return response.body;
  }

  /** The state and history of a resource, to show a failed request changed nothing. */
  async function snapshot(id: string) {
    const [current, revisions] = await Promise.all([app.request('GET', `/contacts/${id}`), app.request('GET', `/contacts/${id}/revisions`)]);
    return { current: current.body, revisions: revisions.body };
  }

  it('advertises the patch formats with Accept-Patch on GET', async () => {
    const created = await create();
    const response = await app.request('GET', `/contacts/${created.id}`);
    const accepted = response.headers.get('accept-patch')!.split(',').map((type) => type.trim()).sort();
    assert.deepEqual(accepted, ['application/json', JSON_PATCH, MERGE_PATCH].sort());
  });

  it('applies an RFC 6902 JSON Patch (application/json-patch+json) as a new revision', async () => {
    const created = await create();
    const response = await app.request('PATCH', `/contacts/${created.id}`, {
      body: [
        { op: 'test', path: '/age', value: 30 },
        { op: 'replace', path: '/name', value: 'Patched' },
        { op: 'remove', path: '/bio' },
        { op: 'copy', from: '/name', path: '/title' },
      ],
      headers: { 'content-type': JSON_PATCH },
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('etag'), response.body._meta.etag);
    assert.deepEqual([response.body.name, response.body.title, 'bio' in response.body, response.body._meta.revision], ['Patched', 'Patched', false, 2]);
  });

  it('applies an RFC 7396 merge patch (application/merge-patch+json): null removes a field', async () => {
    const created = await create();
    const response = await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 31, bio: null }, headers: { 'content-type': MERGE_PATCH } });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual([response.body.age, 'bio' in response.body, response.body.name, response.body._meta.revision], [31, false, created.name, 2]);
  });

  it('treats a plain application/json object as a merge patch', async () => {
    const created = await create();
    const response = await app.request('PATCH', `/contacts/${created.id}`, { body: { name: 'Plain' } });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual([response.body.name, response.body.email, response.body.age], ['Plain', created.email, 30]);
  });

  it('accepts media type parameters such as charset', async () => {
    const created = await create();
    const response = await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 40 }, headers: { 'content-type': `${MERGE_PATCH}; charset=utf-8` } });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.age, 40);
  });

  it('writes no revision for a patch that changes nothing', async () => {
    const created = await create();
    const response = await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 30 } });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, created);
  });

  it('writes a draft with ?draft=true', async () => {
    const created = await create();
    const response = await app.request('PATCH', `/contacts/${created.id}?draft=true`, { body: { age: 33 } });
    assert.deepEqual([response.body._meta.status, response.body._meta.revision], ['draft', 2]);
  });

  it('a failing JSON Patch test op is a 409 CONFLICT and leaves data and history unchanged', async () => {
    const created = await create();
    const before = await snapshot(created.id);
    const response = await app.request('PATCH', `/contacts/${created.id}`, {
      body: [{ op: 'replace', path: '/name', value: 'Should not stick' }, { op: 'test', path: '/age', value: 99 }],
      headers: { 'content-type': JSON_PATCH },
    });
    expectProblem(response, 409, 'CONFLICT');
    assert.deepEqual(await snapshot(created.id), before);
  });

  it('a JSON Patch op on a missing path is a 409 and nothing is written', async () => {
    const created = await create();
    const before = await snapshot(created.id);
    const response = await app.request('PATCH', `/contacts/${created.id}`, {
      body: [{ op: 'replace', path: '/name', value: 'Should not stick' }, { op: 'remove', path: '/nothing/here' }],
      headers: { 'content-type': JSON_PATCH },
    });
    expectProblem(response, 409, 'CONFLICT');
    assert.deepEqual(await snapshot(created.id), before);
  });

  it('a malformed JSON Patch (not an array, unknown op) is a 400 and nothing is written', async () => {
    const created = await create();
    const before = await snapshot(created.id);
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: { op: 'replace', path: '/name', value: 'x' }, headers: { 'content-type': JSON_PATCH } }), 400, 'BAD_REQUEST');
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: [{ op: 'frobnicate', path: '/name' }], headers: { 'content-type': JSON_PATCH } }), 400, 'BAD_REQUEST');
    assert.deepEqual(await snapshot(created.id), before);
  });

  it('a patch whose result is invalid is a 422 and nothing is written', async () => {
    const created = await create();
    const before = await snapshot(created.id);
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: { age: -5 } }), 422, 'VALIDATION_FAILED');
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: { nickname: 'x' } }), 422, 'VALIDATION_FAILED');
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: [{ op: 'remove', path: '/email' }], headers: { 'content-type': JSON_PATCH } }), 422, 'VALIDATION_FAILED');
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: [{ op: 'add', path: '/id', value: 'mine' }], headers: { 'content-type': JSON_PATCH } }), 422, 'VALIDATION_FAILED');
    assert.deepEqual(await snapshot(created.id), before);
  });

  it('a patch into a taken unique value is 409 UNIQUE_VIOLATION', async () => {
    const [first, second] = [await create(), await create()];
    const problem = expectProblem(await app.request('PATCH', `/contacts/${second.id}`, { body: { email: first.email } }), 409, 'UNIQUE_VIOLATION');
    assert.deepEqual(problem.errors?.map((error) => error.path), ['email']);
  });

  it('an unsupported PATCH media type is a 415 that advertises Accept-Patch', async () => {
    const created = await create();
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const response = await app.request('PATCH', `/contacts/${created.id}`, { rawBody: 'age=1', headers: { 'content-type': type } });
      expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.ok(response.headers.get('accept-patch'), `${type}: Accept-Patch on the 415`);
    }
    const untyped = await app.request('PATCH', `/contacts/${created.id}`, { rawBody: new TextEncoder().encode('{"age":1}') });
    expectProblem(untyped, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await app.request('GET', `/contacts/${created.id}`)).body.age, 30);
  });

  it('malformed JSON in a patch is a 400', async () => {
    const created = await create();
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { rawBody: '{"age":', headers: { 'content-type': MERGE_PATCH } }), 400, 'BAD_REQUEST');
    expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { rawBody: '', headers: { 'content-type': MERGE_PATCH } }), 400, 'BAD_REQUEST');
  });

  it('__proto__, constructor and prototype in a patch are 4xx and Object.prototype stays untouched', async () => {
    const created = await create();
    const before = await snapshot(created.id);
    const attempts: [string, string][] = [
      [MERGE_PATCH, '{"__proto__": {"polluted": "merge"}}'],
      ['application/json', '{"age": 31, "__proto__": {"polluted": "json"}}'],
      [MERGE_PATCH, '{"constructor": {"prototype": {"polluted": "constructor"}}}'],
      [JSON_PATCH, '[{"op": "add", "path": "/__proto__/polluted", "value": "pointer"}]'],
      [JSON_PATCH, '[{"op": "add", "path": "/constructor/prototype/polluted", "value": "pointer"}]'],
      [JSON_PATCH, '[{"op": "add", "path": "/bio", "value": {"__proto__": {"polluted": "value"}}}]'],
      [JSON_PATCH, '[{"op": "copy", "from": "/__proto__", "path": "/bio"}]'],
    ];
    for (const [type, rawBody] of attempts) {
      const response = await app.request('PATCH', `/contacts/${created.id}`, { rawBody, headers: { 'content-type': type } });
      assert.ok(response.status >= 400 && response.status < 500, `${rawBody} → ${response.status}`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, `${rawBody} polluted Object.prototype`);
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    }
    assert.deepEqual(await snapshot(created.id), before);
  });
});

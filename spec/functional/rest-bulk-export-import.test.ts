import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Contact, contactData } from '../support/fixtures.js';
import { expectProblem, ndjsonLines, startApp, type TestApp } from '../support/http.js';

const NDJSON = { 'content-type': 'application/x-ndjson' };

async function count(app: TestApp, query = 'deleted=include'): Promise<number> {
  const response = await app.request('GET', `/contacts/_count?${query}`);
  assert.equal(response.status, 200, response.text);
  return response.body.count;
}

async function exportText(app: TestApp): Promise<string> {
  const response = await app.request('GET', '/contacts/_export');
  assert.equal(response.status, 200, response.text);
  assert.match(response.contentType, /^application\/x-ndjson\b/);
  return response.text ?? '';
}

describe('REST _bulk', () => {
  let app: TestApp;
  before(async () => { app = await startApp([Contact]); });
  after(async () => { await app.close(); });

  it('creates many resources in one call (201 + array, in order)', async () => {
    const items = [contactData(), contactData({ bio: 'has a bio' }), contactData()];
    const response = await app.request('POST', '/contacts/_bulk', { body: items });
    assert.equal(response.status, 201, response.text);
    assert.equal(response.body.length, 3);
    response.body.forEach((created: Record<string, any>, index: number) => {
      assert.equal(created.email, items[index].email);
      assert.equal(created._meta.revision, 1);
      assert.equal(created._meta.status, 'stable');
    });
    for (const created of response.body) assert.equal((await app.request('GET', `/contacts/${created.id}`)).status, 200);
  });

  it('creates drafts with ?draft=true and takes an empty array', async () => {
    const response = await app.request('POST', '/contacts/_bulk?draft=true', { body: [contactData(), contactData()] });
    assert.equal(response.status, 201);
    assert.deepEqual(response.body.map((created: Record<string, any>) => created._meta.status), ['draft', 'draft']);
    const empty = await app.request('POST', '/contacts/_bulk', { body: [] });
    assert.deepEqual([empty.status, empty.body], [201, []]);
  });

  it('is all or nothing: one invalid item is a 422 naming it, and nothing is stored', async () => {
    const before = await count(app);
    const response = await app.request('POST', '/contacts/_bulk', { body: [contactData(), contactData({ email: 'not an email' }), contactData()] });
    const problem = expectProblem(response, 422, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors?.map((error) => error.path), ['[1].email']);
    assert.equal(await count(app), before);
  });

  it('is all or nothing for unique values too: a duplicate inside the batch is a 409 and nothing is stored', async () => {
    const before = await count(app);
    const twin = contactData();
    expectProblem(await app.request('POST', '/contacts/_bulk', { body: [contactData(), twin, { ...contactData(), email: twin.email }] }), 409, 'UNIQUE_VIOLATION');
    assert.equal(await count(app), before);
    assert.deepEqual((await app.request('GET', `/contacts?where[email]=${encodeURIComponent(String(twin.email))}`)).body.items, []);
  });

  it('refuses a body that is not an array (400), malformed JSON (400) and reserved properties (422)', async () => {
    const before = await count(app);
    expectProblem(await app.request('POST', '/contacts/_bulk', { body: contactData() }), 400, 'BAD_REQUEST');
    expectProblem(await app.request('POST', '/contacts/_bulk', { rawBody: '[{"name":', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST');
    const problem = expectProblem(await app.request('POST', '/contacts/_bulk', { body: [contactData(), { ...contactData(), id: 'mine' }] }), 422, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors?.map((error) => error.path), ['[1].id']);
    expectProblem(await app.request('POST', '/contacts/_bulk', { rawBody: `[{"__proto__": {"polluted": true}, "name": "x"}]`, headers: { 'content-type': 'application/json' } }), 422, 'VALIDATION_FAILED');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(await count(app), before);
  });
});

describe('REST _export and _import', () => {
  let source: TestApp;
  let target: TestApp;
  /** What the source holds: ids by role. */
  const ids: Record<string, string> = {};

  before(async () => {
    [source, target] = await Promise.all([startApp([Contact]), startApp([Contact])]);
    const create = async (role: string, query = '') => {
      const response = await source.request('POST', `/contacts${query}`, { body: contactData({ bio: `the ${role} one` }) });
      assert.equal(response.status, 201, response.text);
      ids[role] = response.body.id;
      return response.body;
    };
    const history = await create('history');
    await source.request('PATCH', `/contacts/${history.id}`, { body: { age: 100 } });
    await source.request('PUT', `/contacts/${history.id}`, { body: contactData({ email: history.email, name: 'Third revision' }) });
    await create('draft', '?draft=true');
    const published = await create('published');
    await source.request('PATCH', `/contacts/${published.id}?draft=true`, { body: { age: 7 } });
    await source.request('POST', `/contacts/${published.id}/publish`);
    await source.request('PATCH', `/contacts/${published.id}?draft=true`, { body: { age: 8 } });
    const deleted = await create('deleted');
    await source.request('PATCH', `/contacts/${deleted.id}`, { body: { name: 'Before deletion' } });
    assert.equal((await source.request('DELETE', `/contacts/${deleted.id}`)).status, 204);
    const switched = await create('switched');
    await source.request('PATCH', `/contacts/${switched.id}`, { body: { age: 200 } });
    await source.request('POST', `/contacts/${switched.id}/switch/1`);
    await source.request('PATCH', `/contacts/${switched.id}`, { body: { age: 300 } });
    const unicode = await create('unicode');
    await source.request('PATCH', `/contacts/${unicode.id}`, { body: { title: 'Zoë unicode 東京', bio: 'Zoë — 東京 🚀 "quoted" \\ back\nslash', age: null } });
  });
  after(async () => { await Promise.all([source.close(), target.close()]); });

  it('exports every resource with its full history, drafts and deleted ones included, one JSON record a line', async () => {
    const text = await exportText(source);
    assert.ok(text.endsWith('\n'));
    const records = ndjsonLines(text) as { id: string; _meta: Record<string, any>; revisions: { n: number; parent: number | null; status: string; data: Record<string, unknown> }[] }[];
    assert.deepEqual(records.map((record) => record.id), Object.values(ids), 'in creation order');
    const byId = new Map(records.map((record) => [record.id, record]));
    assert.deepEqual(byId.get(ids.history)!.revisions.map((revision) => revision.n), [1, 2, 3]);
    assert.equal(byId.get(ids.history)!.revisions[2].data.name, 'Third revision');
    assert.equal(byId.get(ids.draft)!._meta.status, 'draft');
    assert.deepEqual(byId.get(ids.published)!.revisions.map((revision) => [revision.n, revision.status]), [[1, 'stable'], [2, 'stable'], [3, 'draft']]);
    assert.ok(byId.get(ids.deleted)!._meta.deletedAt, 'the deleted resource is exported as deleted');
    assert.deepEqual(byId.get(ids.switched)!.revisions.map((revision) => [revision.n, revision.parent]), [[1, null], [2, 1], [3, 1]]);
  });

  it('round-trips losslessly: export, import into a fresh app, export again gives identical lines', async () => {
    const exported = await exportText(source);
    const imported = await target.request('POST', '/contacts/_import', { rawBody: exported, headers: NDJSON });
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual(imported.body, { imported: Object.keys(ids).length });
    const again = await exportText(target);
    assert.deepEqual(again.split('\n'), exported.split('\n'));

    for (const id of [ids.history, ids.draft, ids.published, ids.switched, ids.unicode]) {
      const [before, after] = await Promise.all([source.request('GET', `/contacts/${id}`), target.request('GET', `/contacts/${id}`)]);
      assert.equal(after.status, 200);
      const { etag: _sourceEtag, ...sourceMeta } = before.body._meta;
      const { etag: _targetEtag, ...targetMeta } = after.body._meta;
      assert.deepEqual({ ...after.body, _meta: targetMeta }, { ...before.body, _meta: sourceMeta });
      const [sourceRevisions, targetRevisions] = await Promise.all([source.request('GET', `/contacts/${id}/revisions`), target.request('GET', `/contacts/${id}/revisions`)]);
      assert.deepEqual(targetRevisions.body, sourceRevisions.body);
    }
    expectProblem(await target.request('GET', `/contacts/${ids.deleted}`), 410, 'GONE');
    assert.equal((await target.request('POST', `/contacts/${ids.deleted}/restore`)).body.name, 'Before deletion');
    assert.equal((await target.request('GET', `/contacts?q=unicode`)).body.items[0]?.id, ids.unicode, 'imported resources are searchable');
    assert.equal((await target.request('POST', `/contacts/${ids.published}/publish`)).body._meta.status, 'stable');
  });

  it('importing an id that exists is a 409 and nothing of the file is written', async () => {
    const fresh = await source.request('POST', '/contacts', { body: contactData() });
    const lines = (await exportText(source)).split('\n').filter((line) => line !== '');
    const freshLine = lines.find((line) => line.includes(fresh.body.id))!;
    const existingLine = lines.find((line) => line.includes(ids.history))!;
    const before = await exportText(target);
    const response = await target.request('POST', '/contacts/_import', { rawBody: `${freshLine}\n${existingLine}\n`, headers: NDJSON });
    expectProblem(response, 409, 'CONFLICT');
    expectProblem(await target.request('GET', `/contacts/${fresh.body.id}`), 404, 'NOT_FOUND');
    assert.equal(await exportText(target), before);
    const alone = await target.request('POST', '/contacts/_import', { rawBody: `${freshLine}\n`, headers: { 'content-type': 'application/x-ndjson; charset=utf-8' } });
    assert.deepEqual([alone.status, alone.body], [200, { imported: 1 }]);
    assert.equal((await target.request('GET', `/contacts/${fresh.body.id}`)).body.email, fresh.body.email);
  });

  it('importing a unique value a live resource holds is a 409 UNIQUE_VIOLATION and nothing is written', async () => {
    const holder = await target.request('POST', '/contacts', { body: contactData() });
    const record = ndjsonLines((await exportText(target)).split('\n').find((line) => line.includes(holder.body.id))!)[0] as { id: string };
    const copy = JSON.stringify({ ...record, id: '01900000-0000-7000-8000-00000000c0de' });
    const before = await count(target);
    expectProblem(await target.request('POST', '/contacts/_import', { rawBody: `${copy}\n`, headers: NDJSON }), 409, 'UNIQUE_VIOLATION');
    assert.equal(await count(target), before);
  });

  it('refuses a wrong media type (415), a line that is not JSON (400) and a record that does not check out (422)', async () => {
    const exported = await exportText(source);
    const before = await count(target);
    const freshApp = await startApp([Contact]);
    try {
      expectProblem(await freshApp.request('POST', '/contacts/_import', { rawBody: exported, headers: { 'content-type': 'application/json' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await freshApp.request('POST', '/contacts/_import', { rawBody: `${exported}{not json\n`, headers: NDJSON }), 400, 'BAD_REQUEST');
      const [first, ...rest] = exported.split('\n');
      const tampered = JSON.parse(first) as { revisions: { data: Record<string, unknown> }[] };
      tampered.revisions[0].data.name = 'Tampered';
      expectProblem(await freshApp.request('POST', '/contacts/_import', { rawBody: [...rest, JSON.stringify(tampered)].join('\n'), headers: NDJSON }), 422, 'VALIDATION_FAILED');
      expectProblem(await freshApp.request('POST', '/contacts/_import', { rawBody: '{"__proto__":{"polluted":true},"id":"x","_meta":{},"revisions":[]}\n', headers: NDJSON }), 422, 'VALIDATION_FAILED');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(await count(freshApp), 0);
      const empty = await freshApp.request('GET', '/contacts/_export');
      assert.deepEqual([empty.status, empty.text], [200, '']);
    } finally {
      await freshApp.close();
    }
    assert.equal(await count(target), before);
  });
});

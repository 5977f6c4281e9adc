import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { Indexed, Resource } from '../../index.js';
import { Contact, contactData } from '../support/fixtures.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';

/** A resource without drafts. */
@Resource()
class Label {
  @Indexed() @Length(1, 50) text!: string;
}

describe('REST CRUD', () => {
  let app: TestApp;
  before(async () => { app = await startApp([Contact, Label]); });
  after(async () => { await app.close(); });

  async function create(body = contactData(), query = ''): Promise<Record<string, any>> {
    const response = await app.request('POST', `/contacts${query}`, { body });
    assert.equal(response.status, 201, response.text);
    return response.body;
  }

  describe('POST /contacts', () => {
    it('creates revision 1 and answers 201 with Location and an ETag equal to _meta.etag', async () => {
      const body = contactData({ bio: 'Likes maths' });
      const response = await app.request('POST', '/contacts', { body });
      assert.equal(response.status, 201);
      assert.match(response.contentType, /^application\/json/);
      const created = response.body;
      assert.equal(typeof created.id, 'string');
      assert.deepEqual({ ...created, id: undefined, _meta: undefined }, { ...body, id: undefined, _meta: undefined });
      assert.equal(response.headers.get('location'), `/contacts/${created.id}`);
      assert.equal(response.headers.get('etag'), created._meta.etag);
      assert.match(created._meta.etag, /^"[^"]+"$/, 'a strong ETag');
      assert.deepEqual(
        { revision: created._meta.revision, revisionId: created._meta.revisionId, revisionCount: created._meta.revisionCount, status: created._meta.status, deleted: created._meta.deleted },
        { revision: 1, revisionId: `${created.id}:1`, revisionCount: 1, status: 'stable', deleted: false },
      );
      const location = await app.request('GET', response.headers.get('location')!);
      assert.equal(location.status, 200);
      assert.deepEqual(location.body, created);
    });

    it('leaves optional fields out', async () => {
      const body = contactData();
      delete body.age;
      const created = await create(body);
      assert.equal('age' in created, false);
      assert.equal('bio' in created, false);
    });

    it('creates a draft with ?draft=true', async () => {
      const created = await create(contactData(), '?draft=true');
      assert.equal(created._meta.status, 'draft');
      assert.equal(created._meta.revision, 1);
      const read = await app.request('GET', `/contacts/${created.id}`);
      assert.equal(read.body._meta.status, 'draft');
    });

    it('refuses ?draft=true on a resource without drafts (400) and a draft flag that is not a boolean (400)', async () => {
      expectProblem(await app.request('POST', '/labels?draft=true', { body: { text: 'x' } }), 400, 'BAD_REQUEST');
      expectProblem(await app.request('POST', '/contacts?draft=maybe', { body: contactData() }), 400, 'BAD_REQUEST');
      const count = await app.request('GET', '/labels/_count');
      assert.deepEqual(count.body, { count: 0 });
    });

    it('refuses a duplicate unique value with 409 UNIQUE_VIOLATION naming the field', async () => {
      const first = await create();
      const problem = expectProblem(await app.request('POST', '/contacts', { body: contactData({ email: first.email }) }), 409, 'UNIQUE_VIOLATION');
      assert.deepEqual(problem.errors?.map((error) => error.path), ['email']);
    });

    it('refuses invalid data with 422 and every problem in errors[]', async () => {
      const problem = expectProblem(await app.request('POST', '/contacts', { body: { name: '', email: 'not-an-email', title: 'x', age: -1 } }), 422, 'VALIDATION_FAILED');
      assert.deepEqual([...new Set(problem.errors!.map((error) => error.path))].sort(), ['age', 'email', 'name']);
      for (const error of problem.errors!) assert.equal(typeof error.message, 'string');
    });

    it('refuses a body that is not JSON-typed with 415', async () => {
      expectProblem(await app.request('POST', '/contacts', { rawBody: JSON.stringify(contactData()), headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('GET /contacts/:id', () => {
    it('reads the current revision with an ETag and Accept-Patch', async () => {
      const created = await create();
      const response = await app.request('GET', `/contacts/${created.id}`);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, created);
      assert.equal(response.headers.get('etag'), response.body._meta.etag);
      assert.ok(response.headers.get('accept-patch'));
    });

    it('reads an old revision with ?revision=n (404 for one that does not exist, 400 for a bad number)', async () => {
      const created = await create();
      const replaced = await app.request('PUT', `/contacts/${created.id}`, { body: { ...contactData({ email: created.email }), name: 'Renamed' } });
      assert.equal(replaced.body._meta.revision, 2);
      const old = await app.request('GET', `/contacts/${created.id}?revision=1`);
      assert.equal(old.status, 200);
      assert.equal(old.body.name, created.name);
      assert.equal(old.body._meta.revision, 1);
      assert.equal(old.headers.get('etag'), old.body._meta.etag);
      assert.notEqual(old.body._meta.etag, replaced.body._meta.etag);
      const current = await app.request('GET', `/contacts/${created.id}?revision=2`);
      assert.equal(current.body._meta.etag, replaced.body._meta.etag, 'the current revision by number has the current ETag');
      expectProblem(await app.request('GET', `/contacts/${created.id}?revision=9`), 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', `/contacts/${created.id}?revision=0`), 400, 'BAD_REQUEST');
      expectProblem(await app.request('GET', `/contacts/${created.id}?revision=abc`), 400, 'BAD_REQUEST');
    });

    it('answers 404 NOT_FOUND for an unknown id on every route', async () => {
      const id = '00000000-0000-7000-8000-000000000000';
      expectProblem(await app.request('GET', `/contacts/${id}`), 404, 'NOT_FOUND');
      expectProblem(await app.request('PUT', `/contacts/${id}`, { body: contactData() }), 404, 'NOT_FOUND');
      expectProblem(await app.request('PATCH', `/contacts/${id}`, { body: { name: 'x' } }), 404, 'NOT_FOUND');
      expectProblem(await app.request('DELETE', `/contacts/${id}`), 404, 'NOT_FOUND');
      expectProblem(await app.request('DELETE', `/contacts/${id}?purge=true`), 404, 'NOT_FOUND');
      expectProblem(await app.request('POST', `/contacts/${id}/restore`), 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', `/contacts/${id}/revisions`), 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', `/contacts/${id}/revisions/1`), 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', `/contacts/${id}/diff?from=1&to=1`), 404, 'NOT_FOUND');
      expectProblem(await app.request('POST', `/contacts/${id}/switch/1`), 404, 'NOT_FOUND');
      expectProblem(await app.request('POST', `/contacts/${id}/publish`), 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', '/contacts/_nothing'), 404, 'NOT_FOUND');
    });
  });

  describe('PUT /contacts/:id', () => {
    it('replaces the data as revision n+1 with a new ETag', async () => {
      const created = await create(contactData({ bio: 'old bio' }));
      const replacement = contactData({ email: created.email });
      const response = await app.request('PUT', `/contacts/${created.id}`, { body: replacement });
      assert.equal(response.status, 200);
      assert.equal(response.body._meta.revision, 2);
      assert.equal(response.body._meta.revisionCount, 2);
      assert.equal('bio' in response.body, false, 'PUT replaces: a field left out is gone');
      assert.equal(response.body.name, replacement.name);
      assert.equal(response.headers.get('etag'), response.body._meta.etag);
      assert.notEqual(response.body._meta.etag, created._meta.etag);
      assert.equal(response.body._meta.createdAt, created._meta.createdAt);
    });

    it('creates no revision when the data is identical', async () => {
      const created = await create();
      const { id: _id, _meta: _ignored, ...data } = created;
      const response = await app.request('PUT', `/contacts/${created.id}`, { body: data });
      assert.equal(response.status, 200);
      assert.equal(response.body._meta.revision, 1);
      assert.equal(response.body._meta.revisionCount, 1);
      assert.equal(response.body._meta.etag, created._meta.etag);
    });

    it('writes and then changes a draft in place with ?draft=true', async () => {
      const created = await create();
      const first = await app.request('PUT', `/contacts/${created.id}?draft=true`, { body: { ...contactData({ email: created.email }), name: 'Draft one' } });
      assert.deepEqual([first.body._meta.revision, first.body._meta.status], [2, 'draft']);
      const second = await app.request('PUT', `/contacts/${created.id}?draft=true`, { body: { ...contactData({ email: created.email }), name: 'Draft two' } });
      assert.deepEqual([second.body._meta.revision, second.body._meta.status, second.body.name], [2, 'draft', 'Draft two']);
      assert.notEqual(second.body._meta.etag, first.body._meta.etag, 'changing a draft in place changes the ETag');
    });

    it('refuses a body that is invalid as a whole resource (422)', async () => {
      const created = await create();
      const problem = expectProblem(await app.request('PUT', `/contacts/${created.id}`, { body: { name: 'Only a name' } }), 422, 'VALIDATION_FAILED');
      assert.deepEqual([...new Set(problem.errors!.map((error) => error.path))].sort(), ['email', 'title']);
    });
  });

  describe('DELETE, restore and purge', () => {
    it('soft-deletes (204, no body), then GET and DELETE answer 410 GONE', async () => {
      const created = await create();
      const deleted = await app.request('DELETE', `/contacts/${created.id}`);
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      expectProblem(await app.request('GET', `/contacts/${created.id}`), 410, 'GONE');
      expectProblem(await app.request('DELETE', `/contacts/${created.id}`), 410, 'GONE');
      expectProblem(await app.request('PUT', `/contacts/${created.id}`, { body: contactData() }), 410, 'GONE');
      expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: { name: 'x' } }), 410, 'GONE');
      const listed = await app.request('GET', `/contacts?where[id]=${created.id}`);
      assert.deepEqual(listed.body.items, []);
    });

    it('frees unique values on delete', async () => {
      const created = await create();
      await app.request('DELETE', `/contacts/${created.id}`);
      const again = await app.request('POST', '/contacts', { body: contactData({ email: created.email }) });
      assert.equal(again.status, 201);
    });

    it('restores a deleted resource (200) with its data and history', async () => {
      const created = await create();
      await app.request('PUT', `/contacts/${created.id}`, { body: { ...contactData({ email: created.email }), name: 'Second' } });
      await app.request('DELETE', `/contacts/${created.id}`);
      const restored = await app.request('POST', `/contacts/${created.id}/restore`);
      assert.equal(restored.status, 200);
      assert.equal(restored.headers.get('etag'), restored.body._meta.etag);
      assert.deepEqual([restored.body.name, restored.body._meta.revision, restored.body._meta.deleted], ['Second', 2, false]);
      const read = await app.request('GET', `/contacts/${created.id}`);
      assert.deepEqual(read.body, restored.body);
      const revisions = await app.request('GET', `/contacts/${created.id}/revisions`);
      assert.deepEqual(revisions.body.items.map((entry: { revision: number }) => entry.revision), [1, 2]);
    });

    it('restoring a live resource changes nothing and answers 200', async () => {
      const created = await create();
      const restored = await app.request('POST', `/contacts/${created.id}/restore`);
      assert.equal(restored.status, 200);
      assert.deepEqual(restored.body, created);
    });

    it('restoring into a unique value taken meanwhile is 409 UNIQUE_VIOLATION and the resource stays deleted', async () => {
      const created = await create();
      await app.request('DELETE', `/contacts/${created.id}`);
      await create(contactData({ email: created.email }));
      const problem = expectProblem(await app.request('POST', `/contacts/${created.id}/restore`), 409, 'UNIQUE_VIOLATION');
      assert.deepEqual(problem.errors?.map((error) => error.path), ['email']);
      expectProblem(await app.request('GET', `/contacts/${created.id}`), 410, 'GONE');
    });

    it('purges for good with ?purge=true (204), then GET is 404', async () => {
      const created = await create();
      const purged = await app.request('DELETE', `/contacts/${created.id}?purge=true`);
      assert.equal(purged.status, 204);
      assert.equal(purged.text, '');
      expectProblem(await app.request('GET', `/contacts/${created.id}`), 404, 'NOT_FOUND');
      expectProblem(await app.request('POST', `/contacts/${created.id}/restore`), 404, 'NOT_FOUND');
      const listed = await app.request('GET', `/contacts?deleted=include&where[id]=${created.id}`);
      assert.deepEqual(listed.body.items, []);
    });

    it('purges a soft-deleted resource too', async () => {
      const created = await create();
      await app.request('DELETE', `/contacts/${created.id}`);
      assert.equal((await app.request('DELETE', `/contacts/${created.id}?purge=true`)).status, 204);
      expectProblem(await app.request('GET', `/contacts/${created.id}`), 404, 'NOT_FOUND');
    });
  });

  describe('HTTP and strata.manager see the same data', () => {
    it('reads over HTTP what the manager wrote, and the other way round', async () => {
      const manager = app.strata.manager(Contact);
      const written = await manager.create(contactData());
      const overHttp = await app.request('GET', `/contacts/${written.id}`);
      assert.deepEqual(overHttp.body, written);
      assert.equal(overHttp.headers.get('etag'), written._meta.etag);

      const created = await create();
      const patched = await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 99 } });
      assert.deepEqual(await manager.get(created.id), patched.body);
      await manager.delete(created.id);
      expectProblem(await app.request('GET', `/contacts/${created.id}`), 410, 'GONE');
      const page = await manager.list({ where: { id: written.id } });
      const listed = await app.request('GET', `/contacts?where[id]=${written.id}`);
      assert.deepEqual(listed.body, JSON.parse(JSON.stringify(page)));
    });
  });
});

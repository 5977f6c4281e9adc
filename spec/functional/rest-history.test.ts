import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { Indexed, Resource } from '../../index.js';
import { Contact, contactData } from '../support/fixtures.js';
import { expectProblem, startApp, type TestApp, type TestResponse } from '../support/http.js';

/** A resource without drafts. */
@Resource()
class Note {
  @Indexed() @Length(1, 100) text!: string;
}

interface RevisionEntry {
  revision: number;
  revisionId: string;
  parent: number | null;
  status: 'stable' | 'draft';
  hash: string;
  schemaVersion: number;
  createdAt: string;
  createdBy: string | null;
  data?: Record<string, unknown>;
}

describe('REST revision history', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp([Contact, Note], { currentUser: (request) => ({ id: (request as { header(name: string): string | undefined }).header('x-user') ?? 'anonymous' }) });
  });
  after(async () => { await app.close(); });

  /** Creates a contact with revisions 1..count (age = revision number). */
  async function withRevisions(count: number): Promise<{ id: string; email: string }> {
    const created = await app.request('POST', '/contacts', { body: contactData({ age: 1 }), headers: { 'x-user': 'alice' } });
    assert.equal(created.status, 201, created.text);
    for (let age = 2; age <= count; age++) {
      const patched = await app.request('PATCH', `/contacts/${created.body.id}`, { body: { age }, headers: { 'x-user': 'bob' } });
      assert.equal(patched.body._meta.revision, age);
    }
    return { id: created.body.id, email: created.body.email };
  }

  describe('GET /contacts/:id/revisions', () => {
    it('lists revisions oldest first with number, parent, status, hash, who and when', async () => {
      const { id } = await withRevisions(3);
      const response = await app.request('GET', `/contacts/${id}/revisions`);
      assert.equal(response.status, 200);
      const { items, nextCursor } = response.body as { items: RevisionEntry[]; nextCursor: string | null };
      assert.equal(nextCursor, null);
      assert.deepEqual(items.map((entry) => [entry.revision, entry.revisionId, entry.parent, entry.status, entry.createdBy]), [
        [1, `${id}:1`, null, 'stable', 'alice'],
        [2, `${id}:2`, 1, 'stable', 'bob'],
        [3, `${id}:3`, 2, 'stable', 'bob'],
      ]);
      for (const entry of items) {
        assert.match(entry.hash, /^sha256:[0-9a-f]{64}$/);
        assert.equal(entry.schemaVersion, 1);
        assert.ok(!Number.isNaN(Date.parse(entry.createdAt)));
        assert.equal('data' in entry, false, 'the list has no data');
      }
      assert.equal(new Set(items.map((entry) => entry.hash)).size, 3);
    });

    it('pages with limit and cursor', async () => {
      const { id } = await withRevisions(5);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response: TestResponse = await app.request('GET', `/contacts/${id}/revisions?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(response.status, 200, response.text);
        assert.ok(response.body.items.length <= 2);
        seen.push(...response.body.items.map((entry: RevisionEntry) => entry.revision));
        cursor = response.body.nextCursor;
        pages += 1;
      } while (cursor);
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      assert.equal(pages, 3);
    });

    it('refuses a bad limit or cursor', async () => {
      const { id } = await withRevisions(1);
      assert.equal((await app.request('GET', `/contacts/${id}/revisions?limit=0`)).status, 400);
      expectProblem(await app.request('GET', `/contacts/${id}/revisions?limit=5000`), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', `/contacts/${id}/revisions?cursor=nonsense`), 400, 'BAD_QUERY');
    });

    it('is a 410 for a deleted resource', async () => {
      const { id } = await withRevisions(2);
      await app.request('DELETE', `/contacts/${id}`);
      expectProblem(await app.request('GET', `/contacts/${id}/revisions`), 410, 'GONE');
    });
  });

  describe('GET /contacts/:id/revisions/:n', () => {
    it('reads one revision with its data', async () => {
      const { id } = await withRevisions(3);
      const response = await app.request('GET', `/contacts/${id}/revisions/2`);
      assert.equal(response.status, 200);
      const entry = response.body as RevisionEntry;
      assert.deepEqual([entry.revision, entry.revisionId, entry.parent, entry.status], [2, `${id}:2`, 1, 'stable']);
      assert.equal(entry.data?.age, 2);
      assert.equal('id' in entry.data!, false);
      assert.equal('_meta' in entry.data!, false);
      const listed = (await app.request('GET', `/contacts/${id}/revisions`)).body.items[1];
      assert.deepEqual({ ...entry, data: undefined }, { ...listed, data: undefined });
    });

    it('is a 404 for a revision that does not exist and a 400 for a number that is not one', async () => {
      const { id } = await withRevisions(2);
      expectProblem(await app.request('GET', `/contacts/${id}/revisions/3`), 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', `/contacts/${id}/revisions/0`), 400, 'BAD_REQUEST');
      expectProblem(await app.request('GET', `/contacts/${id}/revisions/two`), 400, 'BAD_REQUEST');
    });
  });

  describe('GET /contacts/:id/diff', () => {
    it('returns the JSON Patch from revision n to m', async () => {
      const created = await app.request('POST', '/contacts', { body: contactData({ bio: 'first' }) });
      const { id } = created.body;
      await app.request('PUT', `/contacts/${id}`, { body: { ...contactData({ email: created.body.email }), name: 'Renamed', age: 2 } });
      const response = await app.request('GET', `/contacts/${id}/diff?from=1&to=2`);
      assert.equal(response.status, 200);
      const operations = response.body as { op: string; path: string; value?: unknown }[];
      const byPath = Object.fromEntries(operations.map((operation) => [operation.path, operation]));
      assert.deepEqual(byPath['/name'], { op: 'replace', path: '/name', value: 'Renamed' });
      assert.deepEqual(byPath['/age'], { op: 'replace', path: '/age', value: 2 });
      assert.deepEqual(byPath['/bio'], { op: 'remove', path: '/bio' });
      const back = await app.request('GET', `/contacts/${id}/diff?from=2&to=1`);
      assert.ok(back.body.some((operation: { op: string; path: string; value?: unknown }) => operation.op === 'add' && operation.path === '/bio' && operation.value === 'first'));
      assert.deepEqual((await app.request('GET', `/contacts/${id}/diff?from=2&to=2`)).body, []);
    });

    it('needs from and to (400) that exist (404)', async () => {
      const { id } = await withRevisions(2);
      expectProblem(await app.request('GET', `/contacts/${id}/diff?from=1`), 400, 'BAD_REQUEST');
      expectProblem(await app.request('GET', `/contacts/${id}/diff`), 400, 'BAD_REQUEST');
      expectProblem(await app.request('GET', `/contacts/${id}/diff?from=x&to=2`), 400, 'BAD_REQUEST');
      expectProblem(await app.request('GET', `/contacts/${id}/diff?from=1&to=7`), 404, 'NOT_FOUND');
    });
  });

  describe('POST /contacts/:id/switch/:n', () => {
    it('makes an older revision current without creating one; the next write branches from it', async () => {
      const { id, email } = await withRevisions(3);
      const switched = await app.request('POST', `/contacts/${id}/switch/1`, { headers: { 'x-user': 'carol' } });
      assert.equal(switched.status, 200);
      assert.equal(switched.headers.get('etag'), switched.body._meta.etag);
      assert.deepEqual([switched.body.age, switched.body._meta.revision, switched.body._meta.revisionCount, switched.body._meta.updatedBy], [1, 1, 3, 'carol']);
      assert.deepEqual((await app.request('GET', `/contacts/${id}`)).body, switched.body);

      const next = await app.request('PUT', `/contacts/${id}`, { body: { ...contactData({ email }), age: 10 } });
      assert.deepEqual([next.body._meta.revision, next.body._meta.revisionCount], [4, 4]);
      const revisions = (await app.request('GET', `/contacts/${id}/revisions`)).body.items as RevisionEntry[];
      assert.deepEqual(revisions.map((entry) => [entry.revision, entry.parent]), [[1, null], [2, 1], [3, 2], [4, 1]]);

      const back = await app.request('POST', `/contacts/${id}/switch/3`);
      assert.deepEqual([back.body.age, back.body._meta.revision, back.body._meta.revisionCount], [3, 3, 4], 'revisionCount never decreases');
    });

    it('switching to the current revision changes nothing', async () => {
      const { id } = await withRevisions(2);
      const current = (await app.request('GET', `/contacts/${id}`)).body;
      const switched = await app.request('POST', `/contacts/${id}/switch/2`);
      assert.equal(switched.status, 200);
      assert.deepEqual(switched.body, current);
    });

    it('is a 404 for a revision that does not exist, 400 for a bad number and 410 on a deleted resource', async () => {
      const { id } = await withRevisions(2);
      expectProblem(await app.request('POST', `/contacts/${id}/switch/5`), 404, 'NOT_FOUND');
      expectProblem(await app.request('POST', `/contacts/${id}/switch/0`), 400, 'BAD_REQUEST');
      await app.request('DELETE', `/contacts/${id}`);
      expectProblem(await app.request('POST', `/contacts/${id}/switch/1`), 410, 'GONE');
    });

    it('is a 409 UNIQUE_VIOLATION when the old revision holds a unique value taken meanwhile', async () => {
      const created = await app.request('POST', '/contacts', { body: contactData() });
      const oldEmail = created.body.email;
      await app.request('PATCH', `/contacts/${created.body.id}`, { body: { email: `moved-${oldEmail}` } });
      await app.request('POST', '/contacts', { body: contactData({ email: oldEmail }) });
      expectProblem(await app.request('POST', `/contacts/${created.body.id}/switch/1`), 409, 'UNIQUE_VIOLATION');
      assert.equal((await app.request('GET', `/contacts/${created.body.id}`)).body._meta.revision, 2);
    });
  });

  describe('POST /contacts/:id/publish', () => {
    it('makes the current draft stable', async () => {
      const created = await app.request('POST', '/contacts?draft=true', { body: contactData() });
      const { id } = created.body;
      assert.equal(created.body._meta.status, 'draft');
      const edited = await app.request('PATCH', `/contacts/${id}?draft=true`, { body: { age: 5 } });
      assert.deepEqual([edited.body._meta.revision, edited.body._meta.status], [1, 'draft'], 'a draft is changed in place');
      const published = await app.request('POST', `/contacts/${id}/publish`, { headers: { 'x-user': 'editor' } });
      assert.equal(published.status, 200);
      assert.equal(published.headers.get('etag'), published.body._meta.etag);
      assert.deepEqual([published.body._meta.status, published.body._meta.revision, published.body.age, published.body._meta.updatedBy], ['stable', 1, 5, 'editor']);
      const revisions = (await app.request('GET', `/contacts/${id}/revisions`)).body.items as RevisionEntry[];
      assert.deepEqual(revisions.map((entry) => [entry.revision, entry.status]), [[1, 'stable']]);

      const draft = await app.request('PATCH', `/contacts/${id}?draft=true`, { body: { age: 6 } });
      assert.deepEqual([draft.body._meta.revision, draft.body._meta.status], [2, 'draft']);
      assert.equal((await app.request('GET', `/contacts/${id}/revisions/2`)).body.status, 'draft');
      const second = await app.request('POST', `/contacts/${id}/publish`);
      assert.deepEqual([second.body._meta.revision, second.body._meta.status], [2, 'stable']);
      assert.equal((await app.request('GET', `/contacts/${id}/revisions/2`)).body.status, 'stable');
    });

    it('publishing without a draft is a 409 CONFLICT', async () => {
      const { id } = await withRevisions(1);
      expectProblem(await app.request('POST', `/contacts/${id}/publish`), 409, 'CONFLICT');
      const note = await app.request('POST', '/notes', { body: { text: 'no drafts here' } });
      expectProblem(await app.request('POST', `/notes/${note.body.id}/publish`), 409, 'CONFLICT');
    });

    it('a stable write after a draft makes a new stable revision whose parent is the draft', async () => {
      const created = await app.request('POST', '/contacts?draft=true', { body: contactData() });
      const stable = await app.request('PATCH', `/contacts/${created.body.id}`, { body: { age: 9 } });
      assert.deepEqual([stable.body._meta.revision, stable.body._meta.status], [2, 'stable']);
      const revisions = (await app.request('GET', `/contacts/${created.body.id}/revisions`)).body.items as RevisionEntry[];
      assert.deepEqual(revisions.map((entry) => [entry.revision, entry.parent, entry.status]), [[1, null, 'draft'], [2, 1, 'stable']]);
    });
  });

  it('records who and when on every write', async () => {
    const created = await app.request('POST', '/contacts', { body: contactData(), headers: { 'x-user': 'alice' } });
    assert.deepEqual([created.body._meta.createdBy, created.body._meta.updatedBy], ['alice', 'alice']);
    const patched = await app.request('PATCH', `/contacts/${created.body.id}`, { body: { age: 2 }, headers: { 'x-user': 'bob' } });
    assert.deepEqual([patched.body._meta.createdBy, patched.body._meta.updatedBy], ['alice', 'bob']);
    assert.equal(patched.body._meta.createdAt, created.body._meta.createdAt);
    assert.ok(patched.body._meta.updatedAt >= created.body._meta.updatedAt);
    const listed = await app.request('GET', '/contacts?where[_meta.updatedBy]=bob&where[_meta.createdBy]=alice&sort=-_meta.updatedAt&limit=1');
    assert.equal(listed.body.items[0].id, created.body.id);
  });
});

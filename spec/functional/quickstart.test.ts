import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Strata } from '../../index.js';
import { createApp } from '../../samples/quickstart/src/app.js';
import { compileOpenApiChecker, type OpenApiChecker } from '../support/openapi-check.js';
import { expectProblem, type TestResponse } from '../support/http.js';

/**
 * The quickstart sample as a fixture: its own app factory (samples/quickstart/src/app.ts) on SQLite
 * in memory, driven over real HTTP through the walk-through of samples/quickstart/README.md.
 * Every response is also checked against the app's /openapi.json.
 */
describe('samples/quickstart: the README walk-through', () => {
  let strata: Strata;
  let server: Server;
  let baseUrl: string;
  let check: OpenApiChecker;
  const blobFolder = mkdtempSync(join(tmpdir(), 'strata-quickstart-blobs-'));

  before(async () => {
    const created = await createApp({ database: 'sqlite::memory:', blobs: `file:${blobFolder}` });
    strata = created.strata;
    server = await new Promise<Server>((resolve, reject) => {
      const listening = created.app.listen(0, '127.0.0.1', () => resolve(listening)).once('error', reject);
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    check = compileOpenApiChecker(await (await fetch(`${baseUrl}/openapi.json`)).json() as object);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await strata.close();
    rmSync(blobFolder, { recursive: true, force: true });
  });

  /** Sends a request as curl does in the README: a JSON body with its Content-Type, other headers as given. */
  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
    const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${baseUrl}${path}`, init);
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const parsed = text !== '' && /json/.test(contentType) ? JSON.parse(text) : text || undefined;
    check({ method, path, status: response.status, headers: response.headers, body: parsed });
    assert.ok(response.headers.get('x-request-id'), `${method} ${path} has no X-Request-Id`);
    return { status: response.status, headers: response.headers, contentType, body: parsed, text };
  }

  it('create → update → history → diff → switch → delete → restore, then drafts and search', async () => {
    // Create an author and an article that points at it.
    const author = await request('POST', '/authors', { email: 'ada@example.com', name: 'Ada Lovelace', bio: 'Wrote the first program.' });
    assert.equal(author.status, 201, author.text);
    assert.equal(author.headers.get('location'), `/authors/${author.body.id}`);
    assert.equal(author.headers.get('etag'), author.body._meta.etag);
    assert.equal(author.body._meta.revision, 1);

    const duplicate = await request('POST', '/authors', { email: 'ada@example.com', name: 'Another Ada' });
    assert.equal(expectProblem(duplicate, 409, 'UNIQUE_VIOLATION').type, 'urn:strata:error:unique-violation');

    const created = await request('POST', '/articles', {
      title: 'Notes on the Analytical Engine', body: 'The engine weaves algebraic patterns.', authorId: author.body.id, tags: ['history'],
    });
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.id;
    assert.equal(created.headers.get('location'), `/articles/${id}`);
    assert.deepEqual(created.body.tags, ['history']);
    assert.deepEqual([created.body._meta.revision, created.body._meta.revisionCount, created.body._meta.status], [1, 1, 'stable']);

    const orphan = await request('POST', '/articles', { title: 'Orphan', body: '', authorId: 'no-such-author' });
    assert.equal(expectProblem(orphan, 422, 'VALIDATION_FAILED').errors?.[0].path, 'authorId');

    // Update: a merge patch guarded by If-Match → revision 2. The old ETag is then stale.
    const updated = await request('PATCH', `/articles/${id}`, { title: 'Sketch of the Analytical Engine', tags: ['history', 'computing'] },
      { 'Content-Type': 'application/merge-patch+json', 'If-Match': created.body._meta.etag });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual([updated.body._meta.revision, updated.body._meta.revisionCount], [2, 2]);
    assert.equal(updated.body.body, 'The engine weaves algebraic patterns.');
    assert.notEqual(updated.headers.get('etag'), created.headers.get('etag'));
    const stale = await request('PATCH', `/articles/${id}`, { title: 'Lost update' },
      { 'Content-Type': 'application/merge-patch+json', 'If-Match': created.body._meta.etag });
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
    const unchanged = await request('GET', `/articles/${id}`, undefined, { 'If-None-Match': updated.body._meta.etag });
    assert.equal(unchanged.status, 304);

    // History and diff.
    const history = await request('GET', `/articles/${id}/revisions`);
    assert.equal(history.status, 200);
    assert.deepEqual(history.body.items.map((entry: { revision: number; parent: number | null }) => [entry.revision, entry.parent]), [[1, null], [2, 1]]);
    assert.equal(history.body.nextCursor, null);
    const first = await request('GET', `/articles/${id}/revisions/1`);
    assert.equal(first.body.data.title, 'Notes on the Analytical Engine');
    const diff = await request('GET', `/articles/${id}/diff?from=1&to=2`);
    assert.equal(diff.status, 200);
    assert.deepEqual(diff.body, [
      { op: 'add', path: '/tags/1', value: 'computing' },
      { op: 'replace', path: '/title', value: 'Sketch of the Analytical Engine' },
    ]);

    // Switch back to revision 1: it becomes current, no revision is added.
    const switched = await request('POST', `/articles/${id}/switch/1`);
    assert.equal(switched.status, 200, switched.text);
    assert.deepEqual([switched.body._meta.revision, switched.body._meta.revisionCount], [1, 2]);
    assert.equal(switched.body.title, 'Notes on the Analytical Engine');

    // Delete is soft: 204, then 410 on read; the author can't be deleted while referenced.
    const deleted = await request('DELETE', `/articles/${id}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    expectProblem(await request('GET', `/articles/${id}`), 410, 'GONE');
    const listed = await request('GET', '/articles');
    assert.deepEqual(listed.body.items, []);
    const restored = await request('POST', `/articles/${id}/restore`);
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body._meta.deleted, false);
    assert.equal(restored.body._meta.revision, 1);
    expectProblem(await request('DELETE', `/authors/${author.body.id}`), 409, 'CONFLICT');

    // A draft revision, then publish it.
    const draft = await request('PATCH', `/articles/${id}?draft=true`, { body: 'A second draft.' });
    assert.deepEqual([draft.body._meta.revision, draft.body._meta.status], [3, 'draft']);
    const published = await request('POST', `/articles/${id}/publish`);
    assert.deepEqual([published.body._meta.revision, published.body._meta.status], [3, 'stable']);

    // Search: full text on the title, a filter on the reference, only some fields.
    const found = await request('GET', '/articles?q=engine');
    assert.deepEqual(found.body.items.map((item: { id: string }) => item.id), [id]);
    const byAuthor = await request('GET', `/articles?where[authorId]=${author.body.id}&fields=title&total=true`);
    assert.equal(byAuthor.body.total, 1);
    assert.deepEqual(Object.keys(byAuthor.body.items[0]), ['id', 'title', '_meta']);
    const badField = await request('GET', '/articles?where[body][contains]=engine');
    expectProblem(badField, 400, 'BAD_QUERY');

    // Articles with their authors in one request, over REST and GraphQL; what points at the author.
    const withAuthors = await request('GET', '/articles?fields=title&expand=authorId');
    assert.equal(withAuthors.status, 200, withAuthors.text);
    assert.deepEqual(Object.keys(withAuthors.body.items[0]), ['id', 'title', 'authorId', '_meta', '_expanded']);
    assert.equal(withAuthors.body.items[0]._expanded.authorId.name, 'Ada Lovelace');
    const graphql = async (query: string) => {
      const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
      assert.equal(response.status, 200);
      return (await response.json() as { data: any }).data;
    };
    assert.deepEqual(await graphql('{ articles { items { title author { name } } } }'),
      { articles: { items: [{ title: 'Notes on the Analytical Engine', author: { name: 'Ada Lovelace' } }] } });
    assert.deepEqual(await graphql('{ authors { items { name articles(limit: 5) { items { title } } } } }'),
      { authors: { items: [{ name: 'Ada Lovelace', articles: { items: [{ title: 'Notes on the Analytical Engine' }] } }] } });
    const referrers = await request('GET', `/authors/${author.body.id}/_referrers`);
    assert.deepEqual(referrers.body, { items: [{ resource: 'articles', field: 'authorId', count: 1, ids: [id] }] });
  });

  it('a cover image, an as-of read and a window revert, as the README shows', async () => {
    const author = await request('POST', '/authors', { email: 'grace@example.com', name: 'Grace Hopper' });
    const article = await request('POST', '/articles', { title: 'Notes on compilers', body: 'A-0.', authorId: author.body.id });
    const id: string = article.body.id;

    const bytes = Buffer.from('\x89PNG not really a png, but bytes all the same');
    const upload = await fetch(`${baseUrl}/_blobs?filename=engine.png`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: bytes });
    assert.equal(upload.status, 201);
    const cover = await upload.json() as { hash: string; size: number };
    assert.equal((await fetch(`${baseUrl}/_blobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: bytes })).status, 200);
    const withCover = await request('PATCH', `/articles/${id}`, { cover }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(withCover.status, 200, withCover.text);
    const download = await fetch(`${baseUrl}/articles/${id}/cover`, { headers: { Range: 'bytes=0-3' } });
    assert.equal(download.status, 206);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes.subarray(0, 4));

    await new Promise((resolve) => setTimeout(resolve, 3));
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 3));
    await request('PATCH', `/articles/${id}`, { title: 'Oops' }, { 'Content-Type': 'application/merge-patch+json', 'X-User': 'script' });
    const spam = await request('POST', '/authors', { email: 'spam@example.com', name: 'Spam' }, { 'X-User': 'script' });

    const then = await request('GET', `/articles/${id}?asOf=${before}`);
    assert.equal(then.body.title, 'Notes on compilers');
    const search = await request('GET', `/articles?asOf=${before}&where[title][startsWith]=Notes&where[authorId]=${author.body.id}`);
    assert.deepEqual(search.body.items.map((item: { id: string }) => item.id), [id]);
    const plan = await request('POST', '/articles/_revert', { since: before, by: 'script', dryRun: true });
    assert.deepEqual(plan.body.plan, [{ id, from: 3, to: 2, action: 'revert', diff: [{ op: 'replace', path: '/title', value: 'Notes on compilers' }] }]);
    assert.equal((await request('GET', `/articles/${id}`)).body.title, 'Oops');
    await request('POST', '/articles/_revert', { since: before, by: 'script' });
    assert.equal((await request('GET', `/articles/${id}`)).body.title, 'Notes on compilers');
    const authors = await request('POST', '/authors/_revert', { since: before, by: 'script' });
    assert.deepEqual(authors.body.plan.map((entry: { id: string; action: string }) => [entry.id, entry.action]), [[spam.body.id, 'delete']]);
    expectProblem(await request('GET', `/authors/${spam.body.id}`), 410, 'GONE');
    const reverted = await request('POST', `/articles/${id}/revert/1`);
    assert.deepEqual([reverted.body._meta.revision, reverted.body.cover], [5, undefined]);
  });
});

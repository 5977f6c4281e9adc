import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceView } from '../../index.js';
import { createApp } from '../../samples/permissions/src/app.js';
import { Article } from '../../samples/permissions/src/models.js';
import { tokenFor } from '../../samples/permissions/src/tokens.js';
import { BACKENDS } from '../support/backends.js';
import { graphql } from '../support/graphql.js';
import { serveApp, type TestApp } from '../support/http.js';

const SECRET = 'sample-secret-for-tests-0123456789abcdef';

/**
 * The permissions sample (samples/permissions) with real JWT bearer tokens, as its README walks
 * through: each person sees and changes what the model's rules grant them; a forged token is a 401.
 */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`samples/permissions: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    const ids: Record<string, string> = {};
    const bearer = async (person: Parameters<typeof tokenFor>[0]) => ({ Authorization: `Bearer ${await tokenFor(person, SECRET)}` });
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      const created = await createApp({ database: database.url, secret: SECRET });
      app = await serveApp(created.app, created.strata);
      const articles = created.strata.manager(Article);
      ids.welcome = (await articles.create({ title: 'Welcome', teamId: 'red', notes: 'legal' }, { user: { id: 'ada' } })).id;
      ids.draft = (await articles.create({ title: 'Draft', teamId: 'red' }, { user: { id: 'arthur' }, draft: true })).id;
      ids.blue = (await articles.create({ title: 'Blue', teamId: 'blue', notes: 'budget' }, { user: { id: 'edith' }, draft: true })).id;
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });
    const titles = (items: ResourceView[]) => items.map((item) => item.title).sort();

    it('shows each person what the README says', async () => {
      const anonymous = await app.request('GET', '/articles');
      assert.deepEqual(titles(anonymous.body.items), ['Welcome']);
      assert.equal(anonymous.body.items[0].notes, undefined);
      const editor = await app.request('GET', '/articles', { headers: await bearer('editor') });
      assert.deepEqual(titles(editor.body.items), ['Blue', 'Draft', 'Welcome']);
      assert.equal(editor.body.items.find((item: ResourceView) => item.title === 'Welcome').notes, 'legal');
      const member = await app.request('GET', '/articles', { headers: await bearer('member') });
      assert.deepEqual(titles(member.body.items), ['Draft', 'Welcome']);
      assert.equal((await app.request('GET', `/articles/${ids.blue}`, { headers: await bearer('member') })).status, 404);
      const reviewer = await graphql(app, '{ articles { items { title notes } } }', { headers: await bearer('reviewer') });
      assert.equal(reviewer.body.data.articles.items.length, 3);
      const author = await graphql(app, '{ articles { items { title notes } } }', { headers: await bearer('author') });
      assert.ok(author.body.data.articles.items.every((item: { notes: unknown }) => item.notes === null));
    });

    it('lets authors change their own articles only, and only admins the notes', async () => {
      const patch = async (person: Parameters<typeof tokenFor>[0], id: string, body: unknown) => app.request('PATCH', `/articles/${id}`, {
        headers: { ...(await bearer(person)), 'Content-Type': 'application/merge-patch+json' }, rawBody: JSON.stringify(body),
      });
      const own = await patch('author', ids.draft, { body: 'Finished' });
      assert.equal(own.status, 200, own.text);
      assert.equal(own.body._meta.updatedBy, 'arthur', 'updatedBy is the token subject');
      assert.equal((await patch('author', ids.welcome, { body: 'Mine now' })).status, 403);
      const notes = await patch('editor', ids.welcome, { notes: 'changed' });
      assert.equal(notes.status, 403);
      assert.deepEqual(notes.body.errors.map((error: { path: string }) => error.path), ['notes']);
      assert.equal((await patch('admin', ids.welcome, { notes: 'changed by ada' })).status, 200);
    });

    it('answers 401 with a challenge to anonymous writes and to a forged token', async () => {
      const anonymous = await app.request('POST', '/articles', { body: { title: 'x', teamId: 'red' } });
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm="strata"/);
      const forged = await app.request('GET', '/articles', { headers: { Authorization: `Bearer ${await tokenFor('admin', 'another-secret-entirely-0123456789')}` } });
      assert.equal(forged.status, 401);
      assert.match(forged.headers.get('www-authenticate') ?? '', /invalid_token/);
    });
  });
}

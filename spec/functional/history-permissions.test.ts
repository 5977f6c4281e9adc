import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { Length } from 'class-validator';
import { Allow, eventsPlugin, Indexed, permissionsPlugin, Resource, type CurrentUser } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';

@Resource()
@Allow('admin', '*')
@Allow('editor', ['read', 'list', 'update', 'delete'])
@Allow('historian', ['read', 'list', 'history'])
@Allow('reverter', ['read', 'list', 'revert'], { where: { team: 'red' } })
class Memo {
  @Indexed() @Length(1, 100) title!: string;
  @Indexed() @Length(1, 20) team!: string;
}

const admin: CurrentUser = { id: 'root', roles: ['admin'] };
const editor: CurrentUser = { id: 'ed', roles: ['editor'] };
const historian: CurrentUser = { id: 'hist', roles: ['historian'] };
const reverter: CurrentUser = { id: 'rev', roles: ['reverter'] };

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`permissions of the history tools (${backend.name})`, () => {
    let app: TestApp;
    let database: { url: string; dispose(): Promise<void> };
    before(async () => {
      database = await backend.create();
      app = await startApp([Memo], {
        database: database.url,
        currentUser: (request) => {
          const header = (request as Request).header('X-Test-User');
          return header ? JSON.parse(header) as CurrentUser : null;
        },
        plugins: [eventsPlugin(), permissionsPlugin()],
      });
    });
    after(async () => {
      await app?.close();
      await database?.dispose();
    });
    const as = (user: CurrentUser) => ({ 'X-Test-User': JSON.stringify(user) });

    it('asOf needs history; revert needs revert in its row scope; _bulk needs update or delete; nothing is written when refused', async () => {
      const red = (await app.request('POST', '/memos', { body: { title: 'red one', team: 'red' }, headers: as(admin) })).body;
      const blue = (await app.request('POST', '/memos', { body: { title: 'blue one', team: 'blue' }, headers: as(admin) })).body;
      await new Promise((resolve) => setTimeout(resolve, 3));
      const since = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 3));
      for (const memo of [red, blue]) await app.request('PATCH', `/memos/${memo.id}`, { body: { title: `${memo.title}, edited` }, headers: as(editor) });

      expectProblem(await app.request('GET', `/memos/${red.id}?asOf=${since}`, { headers: as(editor) }), 403, 'FORBIDDEN');
      expectProblem(await app.request('GET', `/memos?asOf=${since}`, { headers: as(editor) }), 403, 'FORBIDDEN');
      expectProblem(await app.request('GET', `/memos/${red.id}?asOf=${since}`), 401, 'UNAUTHORIZED');
      assert.equal((await app.request('GET', `/memos/${red.id}?asOf=${since}`, { headers: as(historian) })).body.title, 'red one');
      assert.equal((await app.request('GET', `/memos?asOf=${since}`, { headers: as(historian) })).body.items.length, 2);

      expectProblem(await app.request('POST', `/memos/${red.id}/revert/1`, { headers: as(editor) }), 403, 'FORBIDDEN');
      // The reverter reads only red memos: a blue one does not exist for them.
      expectProblem(await app.request('POST', `/memos/${blue.id}/revert/1`, { headers: as(reverter) }), 404, 'NOT_FOUND');
      expectProblem(await app.request('POST', '/memos/_revert', { body: { since }, headers: as(editor) }), 403, 'FORBIDDEN');
      // The window revert covers only what the reverter may revert: the red memo.
      const plan = await app.request('POST', '/memos/_revert', { body: { since }, headers: as(reverter) });
      assert.equal(plan.status, 200, plan.text);
      assert.deepEqual(plan.body.plan.map((entry: { id: string }) => entry.id), [red.id]);
      assert.equal((await app.request('GET', `/memos/${red.id}`, { headers: as(admin) })).body.title, 'red one');
      assert.equal((await app.request('GET', `/memos/${blue.id}`, { headers: as(admin) })).body.title, 'blue one, edited');

      expectProblem(await app.request('PATCH', '/memos/_bulk', { body: { where: {}, patch: { title: 'x' } }, headers: as(historian) }), 403, 'FORBIDDEN');
      expectProblem(await app.request('DELETE', '/memos/_bulk', { body: { where: {} }, headers: as(historian) }), 403, 'FORBIDDEN');
      const patched = await app.request('PATCH', '/memos/_bulk', { body: { where: { team: 'blue' }, patch: { title: 'bulk' } }, headers: as(editor) });
      assert.deepEqual(patched.body, { count: 1, ids: [blue.id] });
      const revisions = await app.request('GET', `/memos/${red.id}/revisions`, { headers: as(admin) });
      assert.equal(revisions.body.items.length, 3);
    });
  });
}

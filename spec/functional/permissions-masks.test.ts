import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { IsInt, Length } from 'class-validator';
import { Allow, eventsPlugin, Indexed, permissionsPlugin, Resource, type CurrentUser } from '../../index.js';
import { Article } from '../../samples/permissions/src/models.js';
import { BACKENDS } from '../support/backends.js';
import { graphql } from '../support/graphql.js';
import { startApp, type TestApp } from '../support/http.js';

/** An indexed field only `hr` may read: filtering, sorting and selecting it must look like an unknown field to others. */
@Resource()
@Allow(['hr', 'staff'], ['read', 'list', 'create', 'update', 'history', 'export'])
class Payslip {
  @Indexed() @Length(1, 100) employee!: string;
  @Allow('hr', 'read') @Allow('hr', 'write') @Indexed() @IsInt() amount!: number;
}

const SECRET = 'SECRET-NOTE-7f3a';
const AUTHOR: CurrentUser = { id: 'u-author', roles: ['author'] };
const EDITOR: CurrentUser = { id: 'u-editor', roles: ['editor'] };
const STAFF: CurrentUser = { id: 'u-staff', roles: ['staff'] };

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`permissions: field masks (${backend.name})`, () => {
    let app: TestApp;
    let database: { url: string; dispose(): Promise<void> };
    before(async () => {
      database = await backend.create();
      app = await startApp([Article, Payslip], {
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

    it('never shows a hidden field to a role that may not read it, on any route of any transport', async () => {
      const system = app.strata.manager(Article);
      // The author's own article, with notes set by an admin, two revisions, one of them changing the notes.
      const own = await system.create({ title: 'Own', teamId: 'red', notes: SECRET }, { user: AUTHOR });
      await system.patch(own.id, { notes: `${SECRET}-2` }, { user: { id: 'u-admin' } });
      const headers = as(AUTHOR);
      const responses: { route: string; text: string }[] = [];
      const record = async (route: string, response: Promise<{ text: string; status: number }>) => {
        const { text, status } = await response;
        assert.ok(status < 500, `${route} answered ${status}: ${text}`);
        responses.push({ route, text });
        return text;
      };
      const id = own.id;
      await record('GET one', app.request('GET', `/articles/${id}`, { headers }));
      await record('GET one at revision 1', app.request('GET', `/articles/${id}?revision=1`, { headers }));
      await record('GET list', app.request('GET', '/articles', { headers }));
      await record('GET list with fields', app.request('GET', '/articles?fields=title,body', { headers }));
      await record('POST _search', app.request('POST', '/articles/_search', { headers, body: { where: { teamId: 'red' } } }));
      await record('GET revisions', app.request('GET', `/articles/${id}/revisions`, { headers }));
      await record('GET revision 1', app.request('GET', `/articles/${id}/revisions/1`, { headers }));
      await record('GET revision 2', app.request('GET', `/articles/${id}/revisions/2`, { headers }));
      await record('GET diff', app.request('GET', `/articles/${id}/diff?from=1&to=2`, { headers }));
      await record('PATCH', app.request('PATCH', `/articles/${id}`, { headers: { ...headers, 'Content-Type': 'application/merge-patch+json' }, rawBody: JSON.stringify({ body: 'Text' }) }));
      await record('PUT', app.request('PUT', `/articles/${id}`, { headers, body: { title: 'Own, again', teamId: 'red' } }));
      await record('POST create', app.request('POST', '/articles', { headers, body: { title: 'Fresh', teamId: 'red' } }));
      await record('GET _export (refused)', app.request('GET', '/articles/_export', { headers }));
      await record('GET /_events page', app.request('GET', '/_events?resource=articles', { headers }));
      const gql = (query: string, variables?: Record<string, unknown>) => graphql(app, query, { headers, variables });
      await record('GraphQL article', gql('query($id: ID!) { article(id: $id) { id title notes revisions { items { revision } } } }', { id }));
      await record('GraphQL article at revision', gql('query($id: ID!) { article(id: $id, revision: 1) { notes } }', { id }));
      await record('GraphQL articles', gql('{ articles { items { id notes } } }'));
      await record('GraphQL diff', gql('query($id: ID!) { articleDiff(id: $id, from: 1, to: 2) { op path value } }', { id }));
      await record('GraphQL patch', gql('mutation($id: ID!) { patchArticle(id: $id, patch: { body: "More" }) { notes } }', { id }));
      for (const { route, text } of responses) {
        assert.ok(!text.includes(SECRET), `${route} shows the hidden notes: ${text}`);
        assert.ok(!/"notes":"/.test(text), `${route} shows a notes value: ${text}`);
      }
      // The writes kept the notes the author could not see.
      const stored = await system.get(id);
      assert.equal(stored.notes, `${SECRET}-2`);
      // Editors see the notes, and the admin's history and events hold them.
      const editorView = await app.request('GET', `/articles/${id}`, { headers: as(EDITOR) });
      assert.equal(editorView.body.notes, `${SECRET}-2`);
    });

    it('protects fields a role may not write: a change is a 403 naming the field, leaving them out keeps them', async () => {
      const created = await app.strata.manager(Article).create({ title: 'Notes', teamId: 'red', notes: 'keep me' });
      const changed = await app.request('PUT', `/articles/${created.id}`, { headers: as(EDITOR), body: { title: 'Edited', teamId: 'red', notes: 'new' } });
      assert.equal(changed.status, 403);
      assert.equal(changed.body.code, 'FORBIDDEN');
      assert.deepEqual(changed.body.errors.map((error: { path: string }) => error.path), ['notes']);
      assert.equal((await app.strata.manager(Article).get(created.id)).title, 'Notes', 'nothing was written');
      const same = await app.request('PUT', `/articles/${created.id}`, { headers: as(EDITOR), body: { title: 'Edited', teamId: 'red', notes: 'keep me' } });
      assert.equal(same.status, 200, same.text);
      const left = await app.request('PUT', `/articles/${created.id}`, { headers: as(EDITOR), body: { title: 'Edited again', teamId: 'red' } });
      assert.equal(left.status, 200, left.text);
      assert.equal(left.body.notes, 'keep me');
      const removed = await app.request('PATCH', `/articles/${created.id}`, { headers: { ...as(EDITOR), 'Content-Type': 'application/merge-patch+json' }, rawBody: JSON.stringify({ notes: null }) });
      assert.equal(removed.status, 403, removed.text);
      const authorCreate = await app.request('POST', '/articles', { headers: as(AUTHOR), body: { title: 'Mine', teamId: 'red', notes: 'sneaky' } });
      assert.equal(authorCreate.status, 403, authorCreate.text);
    });

    it('treats a hidden indexed field as unknown in filters, sorts and field lists, and hides it in GraphQL as null', async () => {
      await app.strata.manager(Payslip).create({ employee: 'Ada', amount: 5000 });
      const headers = as(STAFF);
      for (const query of ['where[amount][gt]=1000', 'sort=-amount', 'fields=amount']) {
        const response = await app.request('GET', `/payslips?${query}`, { headers });
        assert.equal(response.status, 400, `${query}: ${response.text}`);
        assert.equal(response.body.code, 'BAD_QUERY');
        assert.ok(!response.text.includes('amount,') && !/filter on [^"]*amount/.test(response.text), `${query}: the allow-list names the hidden field: ${response.text}`);
      }
      const unknown = await app.request('GET', '/payslips?where[salary][gt]=1', { headers });
      assert.equal(unknown.status, 400);
      const list = await app.request('GET', '/payslips', { headers });
      assert.equal(list.status, 200);
      assert.ok(list.body.items.every((item: Record<string, unknown>) => !('amount' in item)));
      const hr = await app.request('GET', '/payslips?where[amount][gt]=1000&sort=-amount', { headers: as({ id: 'u-hr', roles: ['hr'] }) });
      assert.equal(hr.status, 200);
      assert.equal(hr.body.items[0].amount, 5000);
      const response = await graphql(app, '{ payslips { items { employee amount } } }', { headers });
      assert.deepEqual(response.body.data?.payslips.items.map((item: Record<string, unknown>) => item.amount), [null]);
      // An export holds the history without the hidden field; HR's holds it.
      const exported = await app.request('GET', '/payslips/_export', { headers });
      assert.equal(exported.status, 200);
      const record = JSON.parse(exported.text.split('\n')[0]);
      assert.deepEqual(Object.keys(record.revisions[0].data), ['employee']);
      const full = await app.request('GET', '/payslips/_export', { headers: as({ id: 'u-hr', roles: ['hr'] }) });
      assert.equal(JSON.parse(full.text.split('\n')[0]).revisions[0].data.amount, 5000);
    });
  });
}

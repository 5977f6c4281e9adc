import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { IsOptional, IsString, Length } from 'class-validator';
import {
  bootstrap, BootstrapError, definePlugin, Indexed, jsonResult, Resource, restPlugin,
  type OperationDefinition, type Strata, type StrataPlugin,
} from '../../index.js';
import { createApp } from '../../samples/plugin-archive/src/app.js';
import { serveApp, startApp, type TestApp } from '../support/http.js';

@Resource()
class Memo {
  @Indexed() @Length(1, 100) title!: string;
  @IsOptional() @IsString() owner?: string;
}

/** A working operation, for the tests that need one. */
const stats: OperationDefinition = {
  name: 'stats', action: 'list', mutates: false, method: 'get', path: '/_stats',
  summary: (model) => `Statistics of ${model.name} resources`,
  result: () => jsonResult('How many there are.', { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] }),
  problems: [400],
  invoke: async ({ manager, user }) => ({ count: await manager.count({}, { user }) }),
};

async function listen(app: express.Express, strata: Strata): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await strata.close();
    },
  };
}

describe('the plugin API', () => {
  describe('plugins option', () => {
    it('adds listed plugins to the defaults: REST, OpenAPI and GraphQL stay served', async () => {
      const app = await startApp([Memo], { plugins: [definePlugin({ name: 'mine', configure(context) { context.operations.add(stats); } })] });
      try {
        assert.equal((await app.request('POST', '/memos', { body: { title: 'a' } })).status, 201);
        const counted = await app.request('GET', '/memos/_stats');
        assert.equal(counted.status, 200);
        assert.deepEqual(counted.body, { count: 1 });
        const graphql = await fetch(`${app.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ memos { items { title } } }' }) });
        assert.equal(graphql.status, 200);
      } finally {
        await app.close();
      }
    });

    it('a listed plugin named like a default replaces it', async () => {
      const app = await startApp([Memo], { plugins: [restPlugin({ bodyLimit: 64 })] });
      try {
        const large = await app.request('POST', '/memos', { body: { title: 'x'.repeat(100) } });
        assert.equal(large.status, 413);
        assert.equal(large.body.code, 'PAYLOAD_TOO_LARGE');
      } finally {
        await app.close();
      }
    });

    it('defaultPlugins: false leaves the defaults out', async () => {
      const app = express();
      const strata = await bootstrap(app, { resources: [Memo], database: 'sqlite::memory:', defaultPlugins: false, plugins: [restPlugin()] });
      const running = await listen(app, strata);
      try {
        assert.equal((await fetch(`${running.baseUrl}/memos`)).status, 200);
        assert.equal((await fetch(`${running.baseUrl}/openapi.json`)).status, 404);
        assert.equal((await fetch(`${running.baseUrl}/graphql`, { method: 'POST' })).status, 404);
      } finally {
        await running.close();
      }
    });
  });

  describe('services', () => {
    it('a required service is provided first, whatever the listed order, and the app can look it up', async () => {
      const seen: string[] = [];
      const consumer = definePlugin({ name: 'consumer', requires: ['clock'], configure(context) { seen.push(context.require<{ now(): string }>('clock').now()); } });
      const provider = definePlugin({ name: 'provider', provides: ['clock'], configure(context) { context.provide('clock', { now: () => 'tick' }); } });
      const strata = await bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [consumer, provider] });
      try {
        assert.deepEqual(seen, ['tick']);
        assert.equal(strata.service<{ now(): string }>('clock').now(), 'tick');
        assert.throws(() => strata.service('nothing'), BootstrapError);
      } finally {
        await strata.close();
      }
    });

    it('a service no plugin provides, or one provided without being declared, is a bootstrap error', async () => {
      const consumer = definePlugin({ name: 'consumer', requires: ['clock'] });
      await assert.rejects(bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [consumer] }),
        (error: unknown) => error instanceof BootstrapError && /plugin "consumer" requires service "clock", which no plugin provides/.test(error.message));
      const sneaky = definePlugin({ name: 'sneaky', configure(context) { context.provide('clock', {}); } });
      await assert.rejects(bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [sneaky] }),
        (error: unknown) => error instanceof BootstrapError && /sneaky: provides service "clock" without declaring it/.test(error.message));
    });

    it('a plugin that serves HTTP without an app is a bootstrap error naming it', async () => {
      await assert.rejects(bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [restPlugin()] }),
        (error: unknown) => error instanceof BootstrapError && /plugin "rest" serves HTTP and needs an Express app/.test(error.message));
    });
  });

  describe('authentication', () => {
    it("a plugin's resolver supplies the caller before the app's currentUser; undefined leaves it to the next", async () => {
      const fromHeader = definePlugin({
        name: 'header-auth',
        configure(context) {
          context.authenticate((request) => {
            const id = (request as express.Request).header('X-User');
            return id ? { id } : undefined;
          });
        },
      });
      const app = await startApp([Memo], { plugins: [fromHeader], currentUser: () => ({ id: 'fallback' }) });
      try {
        const signed = await app.request('POST', '/memos', { body: { title: 'a' }, headers: { 'X-User': 'ada' } });
        assert.equal(signed.body._meta.createdBy, 'ada');
        const other = await app.request('POST', '/memos', { body: { title: 'b' } });
        assert.equal(other.body._meta.createdBy, 'fallback');
        const overGraphql = await fetch(`${app.baseUrl}/graphql`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'X-User': 'grace' },
          body: JSON.stringify({ query: 'mutation { createMemo(input: { title: "c" }) { _meta { createdBy } } }' }),
        });
        assert.deepEqual(await overGraphql.json(), { data: { createMemo: { _meta: { createdBy: 'grace' } } } });
      } finally {
        await app.close();
      }
    });
  });

  describe('operations', () => {
    const withOperation = (definition: unknown): StrataPlugin => definePlugin({ name: 'ops', configure(context) { context.operations.add(definition as OperationDefinition); } });

    it('refuses an operation of a bad shape, and two operations on one route, at bootstrap', async () => {
      await assert.rejects(bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [withOperation({ ...stats, name: 'Bad Name' })] }),
        /operation "Bad Name": name must be a camelCase word/);
      await assert.rejects(bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [withOperation({ ...stats, action: 'frobnicate' })] }),
        /operation stats: action must be one of read, list/);
      await assert.rejects(bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [withOperation({ ...stats, name: 'again', path: '/_count' })] }),
        /operations count and again of Memo are both GET \/memos\/_count/);
    });

    it('adds operations only in configure', async () => {
      const late = definePlugin({ name: 'late', mount(context) { context.operations.add(stats); } });
      await assert.rejects(bootstrap(null, { resources: [Memo], database: 'sqlite::memory:', plugins: [late] }),
        /operations.add must be called in a plugin's configure phase/);
    });
  });

  it("serves a plugin's own resources, which alone may live under /_", async () => {
    @Resource({ path: '_notices' }) class Notice { @Length(1, 50) text!: string; }
    const app = await startApp([Memo], { plugins: [definePlugin({ name: 'notices', resources: [Notice] })] });
    try {
      const created = await app.request('POST', '/_notices', { body: { text: 'hello' } });
      assert.equal(created.status, 201);
      assert.equal((await app.request('GET', `/_notices/${created.body.id}`)).body.text, 'hello');
    } finally {
      await app.close();
    }
    await assert.rejects(bootstrap(null, { resources: [Notice], database: 'sqlite::memory:' }), /Notice: path "\/_notices" is served by Strata itself/);
  });

  it("refuses a resource path Strata serves itself, naming the class", async () => {
    @Resource({ path: 'graphql' }) class Clash { @Length(1, 10) title!: string; }
    @Resource({ path: '_things' }) class Underscore { @Length(1, 10) title!: string; }
    await assert.rejects(bootstrap(null, { resources: [Clash, Underscore], database: 'sqlite::memory:' }), (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.match(error.message, /Clash: path "\/graphql" is served by Strata itself/);
      assert.match(error.message, /Underscore: path "\/_things" is served by Strata itself/);
      return true;
    });
  });
});

describe('sample: a user-written archive plugin (samples/plugin-archive)', () => {
  let app: TestApp;
  before(async () => {
    const created = await createApp({ database: 'sqlite::memory:' });
    app = await serveApp(created.app, created.strata);
  });
  after(() => app.close());

  it('serves POST /notes/:id/archive over REST with If-Match, and the hook refuses later changes', async () => {
    const created = await app.request('POST', '/notes', { body: { title: 'Plan', body: 'first' } });
    assert.equal(created.status, 201);
    const stale = await app.request('POST', `/notes/${created.body.id}/archive`, { headers: { 'If-Match': '"stale"' } });
    assert.equal(stale.status, 412);
    const archived = await app.request('POST', `/notes/${created.body.id}/archive`, { headers: { 'If-Match': created.body._meta.etag } });
    assert.equal(archived.status, 200);
    assert.equal(archived.body.archived, true);
    assert.equal(archived.body._meta.revision, 2);
    assert.equal(archived.headers.get('etag'), archived.body._meta.etag);
    const refused = await app.request('PATCH', `/notes/${created.body.id}`, { body: { title: 'x' }, headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(refused.status, 409);
    assert.match(refused.body.detail, /is archived and takes no further change/);
    assert.equal((await app.request('GET', `/notes/${created.body.id}`)).body._meta.revision, 2);
    assert.equal((await app.request('POST', '/notes/nope/archive')).status, 404);
  });

  it('is the GraphQL mutation archiveNote, with no GraphQL code in the plugin', async () => {
    const created = await app.request('POST', '/notes', { body: { title: 'Over GraphQL', body: '…' } });
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($id: ID!) { archiveNote(id: $id, expectedRevision: 1) { archived _meta { revision } } }', variables: { id: created.body.id } }),
    });
    assert.deepEqual(await response.json(), { data: { archiveNote: { archived: true, _meta: { revision: 2 } } } });
  });

  it('is documented in OpenAPI as archiveNote', async () => {
    const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json() as { paths: Record<string, Record<string, { operationId: string; summary: string }>> };
    const operation = document.paths['/notes/{id}/archive'].post;
    assert.equal(operation.operationId, 'archiveNote');
    assert.equal(operation.summary, 'Archive a Note: it stays readable but no longer changes');
  });
});

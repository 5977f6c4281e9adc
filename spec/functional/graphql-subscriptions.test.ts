import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, IsOptional, Length, Min } from 'class-validator';
import type { Request } from 'express';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { definePlugin, eventsPlugin, Indexed, Resource, StrataError, Versioned } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { graphql } from '../support/graphql.js';
import { openGraphQLSocket, refusedUpgrade, type GraphQLSocket } from '../support/graphql-ws.js';
import { startApp, type TestApp } from '../support/http.js';

@Resource()
@Versioned({ drafts: true })
class Article {
  @Indexed() @Length(1, 200) title!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) views?: number;
}

/** Callers named "blocked" may not list articles: a stand-in for permissions, which run in the manager too. */
const gate = definePlugin({
  name: 'gate',
  configure({ hooks }) {
    hooks.before('list', (context) => {
      if (context.user?.id === 'blocked') throw new StrataError('FORBIDDEN', 'blocked callers may not list articles');
    });
  },
});

/** The user is the `x-user` header (read with Express's `header()`, which the upgrade request has too); `x-user: bad` is a wrong credential. */
function currentUser(request: unknown) {
  const user = (request as Request).header('x-user');
  if (user === 'bad') throw new StrataError('UNAUTHORIZED', 'unknown user');
  return user ? { id: user } : null;
}

const CHANGE = 'type revision at by article { id title views _meta { revision deleted } }';

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`GraphQL subscriptions: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    let socketUrl: string;
    const sockets: GraphQLSocket[] = [];
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Article], { database: database.url, logLevel: 'error', plugins: [eventsPlugin(), gate], currentUser });
      socketUrl = `${app.baseUrl.replace(/^http/, 'ws')}/graphql`;
    });
    after(async () => {
      for (const socket of sockets) socket.close();
      await app?.close();
      await dispose?.();
    });

    const open = async (headers: Record<string, string> = {}) => {
      const socket = await openGraphQLSocket(socketUrl, headers);
      sockets.push(socket);
      return socket;
    };
    const create = async (body: Record<string, unknown>, user = 'alice') => {
      const response = await app.request('POST', '/articles', { body, headers: { 'x-user': user } });
      assert.equal(response.status, 201, response.text);
      return response.body as { id: string };
    };
    const patch = async (id: string, body: Record<string, unknown>) => {
      assert.equal((await app.request('PATCH', `/articles/${id}`, { body, headers: { 'x-user': 'bob' } })).status, 200);
    };
    /** Subscribes and waits until the subscription hears a write (an article created by `probe`), so later writes reach it. */
    const live = async (socket: GraphQLSocket, id: string, query: string, probe: () => Promise<unknown>) => {
      socket.subscribe(id, query);
      for (let attempt = 0; socket.messagesOf(id).length === 0; attempt++) {
        assert.ok(attempt < 50, `subscription ${id} heard none of ${attempt} probes`);
        await probe();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return socket.messagesOf(id).length;
    };
    const payloads = (socket: GraphQLSocket, id: string) => socket.messagesOf(id).map((message) => {
      assert.equal(message.type, 'next', JSON.stringify(message));
      assert.equal(message.payload.errors, undefined, JSON.stringify(message.payload.errors));
      return message.payload.data.articleChanged;
    });

    it('delivers the creates, updates and deletes after which the article matches where, with type, revision, at, by and the article', async () => {
      const socket = await open({ 'x-user': 'carol' });
      const probes = await live(socket, 'match', `subscription { articleChanged(where: { title: { startsWith: "Match" } }, types: [CREATED, UPDATED, DELETED]) { ${CHANGE} } }`,
        () => create({ title: 'Match probe' }));
      const one = await create({ title: 'Match one', views: 1 });
      const other = await create({ title: 'Other', views: 1 });
      await patch(one.id, { views: 2 });
      await patch(other.id, { views: 2 });
      const two = await create({ title: 'Match two' });
      await patch(two.id, { title: 'No longer matching' });
      assert.equal((await app.request('DELETE', `/articles/${one.id}`)).status, 204);
      assert.equal((await app.request('POST', `/articles/${one.id}/restore`)).status, 200); // RESTORED is not among the types
      const last = await create({ title: 'Match last' });
      await socket.waitFor('match', probes + 5);
      const changes = payloads(socket, 'match').slice(probes);
      assert.deepEqual(changes.map((change) => [change.type, change.revision, change.article?.id, change.by]), [
        ['CREATED', 1, one.id, 'alice'],
        ['UPDATED', 2, one.id, 'bob'],
        ['CREATED', 1, two.id, 'alice'],
        ['DELETED', 2, one.id, null],
        ['CREATED', 1, last.id, 'alice'],
      ]);
      assert.deepEqual(changes[1].article, { id: one.id, title: 'Match one', views: 2, _meta: { revision: 2, deleted: false } });
      assert.equal(changes[3].article._meta.deleted, true);
      assert.match(changes[0].at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      // Nothing about "Other", the update that took "Match two" out of the filter, or the restore.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(socket.messagesOf('match').length, probes + 5);
    });

    it('delivers a purge (revision and article null) to a subscription without where, and only the types asked for', async () => {
      const socket = await open();
      const probes = await live(socket, 'purges', `subscription { articleChanged(types: [PURGED, DELETED]) { ${CHANGE} } }`, async () => {
        const probe = await create({ title: 'Purge probe' });
        await app.request('DELETE', `/articles/${probe.id}`);
      });
      const gone = await create({ title: 'Gone soon' });
      await patch(gone.id, { views: 3 });
      assert.equal((await app.request('DELETE', `/articles/${gone.id}?purge=true`)).status, 204);
      await socket.waitFor('purges', probes + 1);
      assert.deepEqual(payloads(socket, 'purges').slice(probes), [
        { type: 'PURGED', revision: null, at: payloads(socket, 'purges')[probes].at, by: null, article: null },
      ]);
    });

    it('stops delivering once the client completes the subscription, and keeps the connection for others', async () => {
      const socket = await open();
      await live(socket, 'first', `subscription { articleChanged { type article { id } } }`, () => create({ title: 'Completion probe' }));
      socket.complete('first');
      await live(socket, 'second', `subscription { articleChanged(types: [CREATED]) { type article { id } } }`, () => create({ title: 'Second probe' }));
      const heardByFirst = socket.messagesOf('first').length;
      const after = await create({ title: 'After completion' });
      const seen = await socket.waitFor('second', socket.messagesOf('second').length + 1);
      assert.equal(seen.at(-1)!.payload.data.articleChanged.article.id, after.id);
      assert.equal(socket.messagesOf('first').length, heardByFirst, 'the completed subscription heard nothing more');
    });

    it('works with the graphql-ws client: subscribing, hearing a change, unsubscribing', async () => {
      const client = createClient({ url: socketUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      try {
        const heard: any[] = [];
        let completed = false;
        const unsubscribe = client.subscribe({ query: 'subscription($where: ArticleWhere) { articleChanged(where: $where) { type revision article { title } } }', variables: { where: { title: { eq: 'Via client' } } } }, {
          next: (result) => heard.push(result),
          error: (error) => heard.push({ error }),
          complete: () => { completed = true; },
        });
        for (let attempt = 0; heard.length === 0; attempt++) {
          assert.ok(attempt < 50, 'the graphql-ws client heard nothing');
          await create({ title: 'Via client' });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.deepEqual(heard[0], { data: { articleChanged: { type: 'CREATED', revision: 1, article: { title: 'Via client' } } } });
        unsubscribe();
        for (let attempt = 0; !completed; attempt++) {
          assert.ok(attempt < 50, 'the graphql-ws client did not complete the subscription');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await client.dispose();
      }
    });

    it('refuses what the search refuses, an empty types list and callers the manager refuses, as errors with codes', async () => {
      const socket = await open({ 'x-user': 'dave' });
      socket.subscribe('bad-where', 'subscription($where: ArticleWhere) { articleChanged(where: $where) { type } }',
        { where: { title: { in: Array.from({ length: 501 }, (_, index) => `t${index}`) } } });
      socket.subscribe('no-types', 'subscription { articleChanged(types: []) { type } }');
      socket.subscribe('unknown', 'subscription { articleChanged { nope } }');
      const [badWhere] = await socket.waitFor('bad-where', 2);
      assert.equal(badWhere.payload.errors[0].extensions.code, 'BAD_QUERY', JSON.stringify(badWhere));
      assert.deepEqual(badWhere.payload.errors[0].path, ['articleChanged']);
      const [noTypes] = await socket.waitFor('no-types', 2);
      assert.equal(noTypes.payload.errors[0].extensions.code, 'BAD_QUERY');
      const [unknown] = await socket.waitFor('unknown', 1);
      assert.equal(unknown.type, 'error');
      assert.equal(unknown.payload[0].extensions.code, 'BAD_REQUEST');

      const blocked = await open({ 'x-user': 'blocked' });
      blocked.subscribe('blocked', 'subscription { articleChanged { type } }');
      const [refused] = await blocked.waitFor('blocked', 2);
      assert.equal(refused.payload.errors[0].extensions.code, 'FORBIDDEN');
      assert.equal(blocked.messagesOf('blocked')[1].type, 'complete');

      const unauthorized = await refusedUpgrade(socketUrl, { 'x-user': 'bad' });
      assert.equal(unauthorized.status, 401);
      assert.equal(JSON.parse(unauthorized.body).errors[0].extensions.code, 'UNAUTHORIZED');
      assert.equal((await refusedUpgrade(`${app.baseUrl.replace(/^http/, 'ws')}/elsewhere`)).status, 404);
    });

    it('runs queries over the socket too, and refuses subscriptions over HTTP', async () => {
      const socket = await open();
      socket.subscribe('query', '{ articles(limit: 1) { items { id } } }');
      const [result, complete] = await socket.waitFor('query', 2);
      assert.equal(result.type, 'next');
      assert.equal(result.payload.data.articles.items.length, 1);
      assert.equal(complete.type, 'complete');
      const overHttp = await graphql(app, 'subscription { articleChanged { type } }');
      assert.equal(overHttp.status, 400);
      assert.equal(overHttp.body.errors?.[0].extensions.code, 'BAD_REQUEST');
    });

    it('closes every socket (1001) when the app closes, and serves no new ones', async () => {
      const socket = await open();
      await live(socket, 'open', 'subscription { articleChanged { type } }', () => create({ title: 'Before closing' }));
      await app.strata.close();
      assert.deepEqual(await socket.closed, { code: 1001, reason: 'Going away' });
      await assert.rejects(openGraphQLSocket(socketUrl));
    });
  });
}

describe('GraphQL subscriptions without the events plugin', () => {
  it('are not in the schema, and nothing is served over WebSocket', async () => {
    const app = await startApp([Article]);
    try {
      const response = await graphql(app, '{ __schema { subscriptionType { name } } }');
      assert.deepEqual(response.body.data, { __schema: { subscriptionType: null } });
      await assert.rejects(openGraphQLSocket(`${app.baseUrl.replace(/^http/, 'ws')}/graphql`));
    } finally {
      await app.close();
    }
  });
});

import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StrataEvent } from '../../index.js';
import { createApp } from '../../samples/events/src/app.js';
import { startReceiver, type Receiver } from '../../samples/events/src/receiver.js';
import { BACKENDS } from '../support/backends.js';
import { tapStderr } from '../support/fixtures.js';
import { serveApp, type TestApp, type TestResponse } from '../support/http.js';
import { waitFor } from '../support/jobs.js';
import { openSse } from '../support/sse.js';

/**
 * The events sample (samples/events) as a fixture, over HTTP: its plugin keeps AuthorStats right in
 * each change's transaction and posts every article event to the sample's receiver after commit;
 * the README's stream, resume and audit-page commands answer as it says.
 */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`samples/events: ${backend.name}`, () => {
    let app: TestApp;
    let receiver: Receiver;
    let dispose: () => Promise<void>;
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      receiver = await startReceiver({ print: () => undefined });
      const created = await createApp({ database: database.url, forwardTo: receiver.url });
      app = await serveApp(created.app, created.strata);
    });
    after(async () => {
      await app?.close();
      await receiver?.close();
      await dispose?.();
    });

    const write = (method: string, path: string, author?: string, body?: unknown) =>
      app.request(method, path, { ...(body !== undefined ? { body } : {}), headers: author ? { 'X-User': author } : {} });
    const countOf = async (author: string) => {
      const page = await app.request('GET', `/author-stats?where[authorId]=${author}`);
      assert.equal(page.status, 200);
      return page.body.items[0]?.articles as number | undefined;
    };
    const json = async (path: string) => {
      const response = await fetch(`${app.baseUrl}${path}`, { headers: { Accept: 'application/json' } });
      return { status: response.status, body: await response.json() as any };
    };

    it('keeps each author\'s count right through create, delete, restore and purge', async () => {
      const first = (await write('POST', '/articles', 'ada', { title: 'Events in Strata' })).body;
      const second = (await write('POST', '/articles', 'ada', { title: 'Second thoughts' })).body;
      await write('POST', '/articles', 'grace', { title: 'Compilers' });
      await write('POST', '/articles', undefined, { title: 'Anonymous' });
      assert.equal(await countOf('ada'), 2);
      assert.equal(await countOf('grace'), 1);

      assert.equal((await write('PATCH', `/articles/${first.id}`, 'grace', { title: 'Events, revised' })).status, 200);
      assert.equal((await write('POST', '/articles', 'ada', { title: '' })).status, 422);
      assert.equal(await countOf('ada'), 2, 'an update (by anyone) and a refused write change no count');

      assert.equal((await write('DELETE', `/articles/${second.id}`, 'ada')).status, 204);
      assert.equal(await countOf('ada'), 1);
      assert.equal((await write('POST', `/articles/${second.id}/restore`, 'ada')).status, 200);
      assert.equal(await countOf('ada'), 2);
      assert.equal((await write('POST', `/articles/${second.id}/restore`, 'ada')).status, 200);
      assert.equal(await countOf('ada'), 2, 'restoring a live article writes no event');

      await write('DELETE', `/articles/${second.id}`, 'ada');
      assert.equal((await write('DELETE', `/articles/${second.id}?purge=true`, 'ada')).status, 204);
      assert.equal(await countOf('ada'), 1, 'purging a deleted article counts nothing more');
      assert.equal((await write('DELETE', `/articles/${first.id}?purge=true`, 'grace')).status, 204);
      assert.equal(await countOf('ada'), 0, 'purging a live article uncounts it for its author, not for who purged it');
      assert.equal(await countOf('grace'), 1);
    });

    it('counts concurrent writes exactly', async () => {
      const ids = await Promise.all(Array.from({ length: 12 }, async (_, index) => {
        const created = await write('POST', '/articles', 'lin', { title: `Parallel ${index}` });
        assert.equal(created.status, 201, created.text);
        return created.body.id as string;
      }));
      assert.equal(await countOf('lin'), 12);
      await Promise.all(ids.slice(0, 5).map((id) => write('DELETE', `/articles/${id}`, 'lin')));
      assert.equal(await countOf('lin'), 7);
    });

    it('lets no one but the plugin write AuthorStats', async () => {
      const stats = (await app.request('GET', '/author-stats?where[authorId]=grace')).body.items[0];
      for (const [method, path] of [['POST', '/author-stats'], ['PATCH', `/author-stats/${stats.id}`], ['DELETE', `/author-stats/${stats.id}`]]) {
        const response = await fetch(`${app.baseUrl}${path}`, {
          method, headers: { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }, body: method === 'DELETE' ? undefined : JSON.stringify({ authorId: 'grace', articles: 99 }),
        });
        assert.equal(response.status, 403, `${method} ${path}`);
        assert.equal((await response.json() as { code: string }).code, 'FORBIDDEN');
      }
      assert.equal(await countOf('grace'), 1);
    });

    it('posts every article event to the receiver after commit, and no other event', async () => {
      const logged = (await json('/_events?resource=articles&limit=1000')).body.items as StrataEvent[];
      const received = await waitFor(() => receiver.received.length >= logged.length && receiver.received as StrataEvent[], 'the receiver to get every article event');
      assert.deepEqual(received.map((event) => event.id).sort(byId), logged.map((event) => event.id));
      assert.deepEqual(received.find((event) => event.type === 'purged'), logged.find((event) => event.type === 'purged'));
      assert.ok(received.every((event) => event.resource === 'articles'));
    });

    it('answers the README: the live stream, a resume with Last-Event-ID, and the audit pages', async () => {
      const live = await openSse(`${app.baseUrl}/_events`);
      assert.equal(live.status, 200);
      const created = (await write('POST', '/articles', 'mia', { title: 'Streamed' })).body;
      const [article, stats] = await live.waitFor(2);
      live.close();
      assert.deepEqual([article.event, JSON.parse(article.data!).resourceId], ['created', created.id]);
      assert.deepEqual([stats.event, JSON.parse(stats.data!).resource, JSON.parse(stats.data!).data.articles], ['created', 'author-stats', 1]);
      assert.equal(BigInt(stats.id!), BigInt(article.id!) + 1n, "the count's event follows the article's: one transaction");

      await write('DELETE', `/articles/${created.id}`, 'mia');
      const resumed = await openSse(`${app.baseUrl}/_events?resource=articles`, { 'Last-Event-ID': article.id! });
      const [missed] = await resumed.waitFor(1);
      resumed.close();
      assert.deepEqual([missed.event, JSON.parse(missed.data!).resourceId], ['deleted', created.id]);

      const page = await json('/_events?resource=articles&limit=5');
      assert.equal(page.status, 200);
      assert.equal(page.body.items.length, 5);
      assert.ok(page.body.items.every((event: StrataEvent) => event.resource === 'articles'));
      const next = await json(`/_events?resource=articles&limit=5&cursor=${page.body.nextCursor}`);
      assert.ok(BigInt(next.body.items[0].id) > BigInt(page.body.items[4].id));
      const byMia = await json('/_events?resource=articles&by=mia');
      assert.deepEqual(byMia.body.items.map((event: StrataEvent) => event.type), ['created', 'deleted']);
    });
  });
}

describe('samples/events: a failing receiver', () => {
  it('is logged and never fails the write', async () => {
    const closed = await startReceiver({ print: () => undefined });
    await closed.close();
    const created = await createApp({ database: 'sqlite::memory:', forwardTo: closed.url });
    const app = await serveApp(created.app, created.strata);
    try {
      const stderr = tapStderr();
      let response: TestResponse | undefined;
      try {
        response = await app.request('POST', '/articles', { body: { title: 'Nobody listens' }, headers: { 'X-User': 'ada' } });
        await waitFor(() => stderr.lines.some((line) => /the receiver did not take an event; the change is committed regardless/.test(line)), 'the failed post to be logged');
      } finally {
        stderr.restore();
      }
      assert.equal(response?.status, 201);
      assert.equal((await app.request('GET', '/author-stats?where[authorId]=ada')).body.items[0].articles, 1);
    } finally {
      await app.close();
    }
  });
});

function byId(left: string, right: string): number {
  return Number(BigInt(left) - BigInt(right));
}

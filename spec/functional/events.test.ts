import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, IsOptional, Length, Min } from 'class-validator';
import { definePlugin, eventsPlugin, Indexed, Resource, StrataError, Versioned, type StrataEvent } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { captureStderr } from '../support/fixtures.js';
import { startApp, type TestApp } from '../support/http.js';
import { openSse } from '../support/sse.js';

@Resource()
@Versioned({ drafts: true })
class Story {
  @Indexed({ unique: true }) @Length(1, 100) title!: string;
  @IsOptional() @IsInt() @Min(0) words?: number;
}

/** Refuses stories titled "refuse", after the write was made: the whole write rolls back. */
const refuser = definePlugin({
  name: 'refuser',
  configure({ hooks }) {
    hooks.after(['create', 'update'], (context) => {
      if ((context.result as { title?: string }).title === 'refuse') throw StrataError.conflict('refused by a hook');
    });
  },
});

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`change events: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    const heard: StrataEvent[] = [];
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Story], { database: database.url, logLevel: 'error', plugins: [eventsPlugin({ heartbeatMs: 200 }), refuser] });
      app.strata.events.on('*', (event) => { heard.push(event); }, { resource: 'stories' });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    // Through app.request, so every page (and every 400) is checked against GET /_events in the OpenAPI document.
    const json = async (path: string) => {
      const response = await app.request('GET', path, { headers: { Accept: 'application/json' } });
      return { status: response.status, body: response.body };
    };
    const all = async () => (await json('/_events?limit=1000')).body.items as StrataEvent[];

    it('writes one event per committed change, none for a write that changes nothing or is refused', async () => {
      const before = (await all()).length;
      const created = (await app.request('POST', '/stories', { body: { title: 'One' } })).body;
      const id = created.id;
      await app.request('PATCH', `/stories/${id}`, { body: { words: 10 } });
      await app.request('PATCH', `/stories/${id}`, { body: { words: 10 } }); // no change: no event
      assert.equal((await app.request('PATCH', `/stories/${id}`, { body: { words: 11 }, headers: { 'If-Match': '"stale"' } })).status, 412);
      assert.equal((await app.request('PATCH', `/stories/${id}`, { body: { words: -1 } })).status, 422);
      assert.equal((await app.request('POST', '/stories', { body: { title: 'refuse' } })).status, 409);
      await app.request('PATCH', `/stories/${id}?draft=true`, { body: { words: 12 } });
      await app.request('POST', `/stories/${id}/publish`);
      await app.request('POST', `/stories/${id}/switch/1`);
      await app.request('DELETE', `/stories/${id}`);
      await app.request('POST', `/stories/${id}/restore`);
      await app.request('DELETE', `/stories/${id}?purge=true`);
      const events = (await all()).slice(before);
      assert.deepEqual(events.map((event) => event.type), ['created', 'updated', 'updated', 'published', 'switched', 'deleted', 'restored', 'purged']);
      assert.deepEqual(events.map((event) => event.revision), [1, 2, 3, 3, 1, 1, 1, null]);
      const ids = events.map((event) => BigInt(event.id));
      assert.ok(ids.every((value, index) => index === 0 || value > ids[index - 1]), 'ids grow');
      assert.equal(events[0].resource, 'stories');
      assert.equal(events[0].resourceId, id);
      assert.equal((events[1].data as any).words, 10);
      assert.equal(events[7].data, null);
    });

    it('calls listeners after commit, and a failing listener never fails the write', async () => {
      const off = app.strata.events.on('created', () => { throw new Error('listener broke'); });
      const { result, lines } = await captureStderr(() => app.request('POST', '/stories', { body: { title: 'Heard' } }));
      off();
      assert.equal(result.status, 201);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(heard.some((event) => event.type === 'created' && event.resourceId === result.body.id));
      assert.ok(lines.some((line) => /a listener failed/.test(line)), lines.join('\n'));
    });

    it('pages through past events with filters and a cursor', async () => {
      const first = await json('/_events?type=created,updated&limit=2');
      assert.equal(first.status, 200);
      assert.equal(first.body.items.length, 2);
      assert.ok(first.body.items.every((event: StrataEvent) => ['created', 'updated'].includes(event.type)));
      const second = await json(`/_events?type=created,updated&limit=2&cursor=${first.body.nextCursor}`);
      assert.ok(BigInt(second.body.items[0].id) > BigInt(first.body.items[1].id));
      const since = await json(`/_events?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
      assert.deepEqual(since.body, { items: [], nextCursor: null });
      for (const bad of ['type=nope', 'resource=nope', 'limit=0', 'limit=x', 'since=yesterday', 'cursor=zzz', 'bogus=1', 'by=a&by=b']) {
        const response = await json(`/_events?${bad}`);
        assert.equal(response.status, 400, bad);
        assert.equal(response.body.code, 'BAD_QUERY', bad);
      }
    });

    it('streams new events over SSE and resumes after Last-Event-ID or ?after= with no gap and no duplicate', async () => {
      const live = await openSse(`${app.baseUrl}/_events?resource=stories`);
      assert.equal(live.status, 200);
      assert.match(live.contentType, /^text\/event-stream/);
      const created = [];
      for (let index = 0; index < 5; index++) created.push((await app.request('POST', '/stories', { body: { title: `Streamed ${index}` } })).body.id);
      const received = await live.waitFor(5);
      live.close();
      assert.deepEqual(received.map((message) => JSON.parse(message.data!).resourceId), created);
      assert.ok(received.every((message) => message.event === 'created' && message.id === JSON.parse(message.data!).id));
      const resumed = await openSse(`${app.baseUrl}/_events?resource=stories`, { 'Last-Event-ID': received[1].id! });
      const rest = await resumed.waitFor(3);
      resumed.close();
      assert.deepEqual(rest.map((message) => message.id), received.slice(2).map((message) => message.id));
      const fromQuery = await openSse(`${app.baseUrl}/_events?resource=stories&after=${received[3].id}`);
      assert.deepEqual((await fromQuery.waitFor(1)).map((message) => message.id), [received[4].id]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(fromQuery.comments >= 2, 'heartbeat comments arrive');
      assert.equal(fromQuery.messages.length, 1);
      fromQuery.close();
      const bad = await fetch(`${app.baseUrl}/_events`, { headers: { Accept: 'text/event-stream', 'Last-Event-ID': 'x1' } });
      assert.equal(bad.status, 400);
    });
  });
}

describe('strata.events without the events plugin', () => {
  it('is a BootstrapError naming the plugin', async () => {
    const app = await startApp([Story]);
    try {
      assert.throws(() => app.strata.events, /strata.events needs the events plugin: add eventsPlugin\(\) to plugins/);
    } finally {
      await app.close();
    }
  });
});

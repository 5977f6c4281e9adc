import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { Length } from 'class-validator';
import { eventsPlugin, Resource } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { loggedEvents } from '../support/events.js';
import { startApp, type TestApp } from '../support/http.js';
import { openSse } from '../support/sse.js';

/**
 * A client that stops reading is not waited for forever: after `stallTimeoutMs` the server closes
 * its connection (the stream holds one batch meanwhile), and the client resumes from its last id
 * with nothing lost, as an EventSource does on its own.
 */
@Resource({ name: 'StallPage' })
class StallPage {
  @Length(1, 100) title!: string;
  @Length(0, 20_000) body!: string;
}

const BODY = 'x'.repeat(10_000);
const EVENTS = 1500;

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`a stalled event stream: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([StallPage], { database: database.url, logLevel: 'error', plugins: [eventsPlugin({ stallTimeoutMs: 300 })] });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    it('is closed after stallTimeoutMs, and the client resumes from its last id with nothing lost', async () => {
      const request = http.get(`${app.baseUrl}/_events`, { headers: { Accept: 'text/event-stream' } });
      const [client] = await once(request, 'response') as [http.IncomingMessage];
      assert.equal(client.statusCode, 200);
      // The client reads nothing; the socket's buffers fill up behind it.
      const pages = app.strata.manager(StallPage);
      for (let written = 0; written < EVENTS; written += 100) {
        await pages.createMany(Array.from({ length: 100 }, (_, index) => ({ title: `Page ${written + index}`, body: BODY })));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Reading again, the client finds what reached it and then the end of a connection the server closed.
      const ids: string[] = [];
      let buffer = '';
      client.setEncoding('utf8');
      client.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const id = /^id: (\d+)$/m.exec(buffer.slice(0, end))?.[1];
          if (id !== undefined) ids.push(id);
          buffer = buffer.slice(end + 2);
        }
      });
      const ended = new Promise((resolve) => { client.once('close', resolve); client.once('end', resolve); });
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('the stalled stream was not closed')), 10_000).unref());
      await Promise.race([ended, timeout]);
      request.destroy();
      assert.ok(ids.length < EVENTS, `the server cut the stalled stream off (it got ${ids.length} of ${EVENTS})`);
      // Resuming with the last id it got, as an EventSource does, it gets the rest: nothing lost, nothing twice.
      const expected = (await loggedEvents(app.baseUrl)).map((event) => event.id);
      assert.equal(expected.length, EVENTS);
      const resumed = await openSse(`${app.baseUrl}/_events`, { 'Last-Event-ID': ids[ids.length - 1] ?? '0' });
      const rest = await resumed.waitFor(EVENTS - ids.length, 20_000);
      resumed.close();
      assert.deepEqual([...ids, ...rest.map((message) => message.id)], expected);
    });
  });
}

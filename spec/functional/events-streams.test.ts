import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import express, { type Response } from 'express';
import { Length } from 'class-validator';
import { bootstrap, eventsPlugin, Resource } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { loggedEvents } from '../support/events.js';
import { captureStderr } from '../support/fixtures.js';
import { serveApp, startApp, type TestApp } from '../support/http.js';
import { databaseProbe } from '../support/jobs.js';
import { openSse } from '../support/sse.js';

/**
 * The SSE stream's use of memory and its end (DESIGN.md section 11, issue 11): a client that stops
 * reading holds the server to one batch of the log and a socket's worth of bytes, however much is
 * written meanwhile, and gets every event in order once it reads again; closing the app ends every
 * stream, busy or not, without a failed request.
 */
@Resource()
class Page {
  @Length(1, 100) title!: string;
  @Length(0, 20_000) body!: string;
}

/** Events of about 10 kB each: 1,500 of them are far more than the kernel's socket buffers hold. */
const BODY = 'x'.repeat(10_000);
const EVENTS = 1500;

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`change event streams: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    /** The server side of every SSE response, with what was written to it. */
    const served: { response: Response; bytes: number; events: number; blocked: number; maxBuffered: number; largestWrite: number }[] = [];
    const probe = databaseProbe();
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      const server = express();
      // Ahead of the events route: measure each stream's writes and what stays buffered after each.
      server.use('/_events', (request, response, next) => {
        if (!(request.header('Accept') ?? '').includes('text/event-stream')) return next();
        const entry = { response, bytes: 0, events: 0, blocked: 0, maxBuffered: 0, largestWrite: 0 };
        served.push(entry);
        const write = response.write.bind(response) as (chunk: string) => boolean;
        response.write = ((chunk: string) => {
          const accepted = write(chunk);
          entry.bytes += Buffer.byteLength(chunk);
          if (chunk.startsWith('id: ')) entry.events++;
          entry.largestWrite = Math.max(entry.largestWrite, Buffer.byteLength(chunk));
          entry.maxBuffered = Math.max(entry.maxBuffered, response.writableLength);
          if (!accepted) entry.blocked++;
          return accepted;
        }) as typeof response.write;
        next();
      });
      const strata = await bootstrap(server, { resources: [Page], database: database.url, logLevel: 'error', plugins: [eventsPlugin(), probe.plugin] });
      app = await serveApp(server, strata);
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    it(`holds a client that stops reading to one batch of the log and a socket's worth of bytes while ${EVENTS} events of 10 kB are written, then gives it every event in order`, async (t) => {
      const pages = app.strata.manager(Page);
      // Count the rows the streams read from the log.
      let rowsRead = 0;
      const database = probe.database();
      const all = database.all.bind(database);
      database.all = (async (sql: string, params?: readonly unknown[]) => {
        const rows = await all(sql, params);
        if (/FROM "strata_events" WHERE "id" >/.test(sql)) rowsRead += rows.length;
        return rows;
      }) as typeof database.all;
      const request = http.get(`${app.baseUrl}/_events`, { headers: { Accept: 'text/event-stream' } });
      const [client] = await once(request, 'response') as [http.IncomingMessage];
      assert.equal(client.statusCode, 200);
      // The client reads nothing: Node's HTTP client stops reading the socket once 16 kB wait in its
      // buffer, and the kernel's buffers (a few MB) fill up behind it.
      const stream = served[served.length - 1];
      for (let written = 0; written < EVENTS; written += 100) {
        await pages.createMany(Array.from({ length: 100 }, (_, index) => ({ title: `Page ${written + index}`, body: BODY })));
      }
      // Wait until the stream stops writing, then watch it stay parked.
      let last = -1;
      while (stream.bytes !== last) {
        last = stream.bytes;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const parked = { bytes: stream.bytes, rowsRead };
      await new Promise((resolve) => setTimeout(resolve, 500));
      const logBytes = EVENTS * BODY.length;
      const sent = stream.events;
      t.diagnostic(`client paused: ${(stream.bytes / 1e6).toFixed(1)} MB (${sent} events) written of ${(logBytes / 1e6).toFixed(1)} MB logged; at most ${stream.maxBuffered} bytes buffered (high-water mark ${stream.response.writableHighWaterMark}, largest event ${stream.largestWrite}); ${rowsRead - sent} events read from the log and not yet written`);
      assert.ok(stream.blocked > 0, 'the socket pushed back');
      assert.ok(sent < EVENTS / 2, `the server wrote ${sent} of ${EVENTS} events to a client that reads nothing`);
      assert.ok(stream.maxBuffered <= stream.response.writableHighWaterMark + stream.largestWrite,
        `${stream.maxBuffered} bytes waited in the server's buffers for one stream`);
      assert.ok(rowsRead - sent <= 100, `the stream holds ${rowsRead - sent} events it read from the log, more than one batch (100)`);
      assert.deepEqual({ bytes: stream.bytes, rowsRead }, parked, 'a parked stream neither writes nor reads the log');

      // Reading again: every event arrives, in order.
      const ids: string[] = [];
      let buffer = '';
      client.setEncoding('utf8');
      client.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          if (id !== undefined) ids.push(id);
        }
      });
      const expected = (await loggedEvents(app.baseUrl)).map((event) => event.id);
      assert.equal(expected.length, EVENTS);
      const deadline = Date.now() + 30_000;
      while (ids.length < EVENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      request.destroy();
      assert.deepEqual(ids, expected);
      database.all = all;
    });

    it('ends every stream when the app closes, busy or idle, with no failed request', async (t) => {
      // Two streams busy catching up with the log written above, one idle at its end.
      const busy = await Promise.all([0, 1].map(() => openSse(`${app.baseUrl}/_events`, { 'Last-Event-ID': '0' })));
      const idle = await openSse(`${app.baseUrl}/_events`);
      const streams = [...busy, idle];
      await Promise.all(busy.map((stream) => stream.waitFor(50)));
      const closing = performance.now();
      const { lines } = await captureStderr(async () => {
        await app.strata.close();
        await Promise.all(streams.map((stream) => stream.ended));
      });
      assert.ok(busy.every((stream) => stream.messages.length < EVENTS), 'the busy streams were still catching up');
      t.diagnostic(`closed with ${busy.map((stream) => stream.messages.length).join(' and ')} of ${EVENTS} events streamed, in ${(performance.now() - closing).toFixed(0)} ms`);
      assert.deepEqual(lines.filter((line) => /request failed|"level":"error"/.test(line)), []);
    });
  });
}

/**
 * A client that stops reading is not waited for forever: after `stallTimeoutMs` the server closes
 * its connection (holding one batch meanwhile), and the client resumes from its last id with
 * nothing lost, as an EventSource does on its own.
 */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`a stalled event stream: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Page], { database: database.url, logLevel: 'error', plugins: [eventsPlugin({ stallTimeoutMs: 300 })] });
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
      const pages = app.strata.manager(Page);
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

import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, Length, Min } from 'class-validator';
import { eventsPlugin, Resource, type StrataEvent } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { loggedEvents } from '../support/events.js';
import { startApp, type TestApp } from '../support/http.js';
import { seededRandom, type SeededRandom } from '../support/random.js';
import { openSse } from '../support/sse.js';

/**
 * The stream's promise under load (DESIGN.md section 11, issue 11): while concurrent clients write
 * through REST, SSE clients that drop at random moments and resume with `Last-Event-ID` (or
 * `?after=`) each end up with exactly the committed sequence of ids: no gap, no duplicate.
 * The random choices come from a seeded generator; a failure prints the seed, and
 * `STRATA_EVENTS_SEED=<seed>` replays the same choices (the timing of concurrent work still varies).
 */
@Resource()
class Note {
  @Length(1, 100) title!: string;
  @IsInt() @Min(0) count!: number;
}

const WRITES = 2000;
const WRITERS = 12;
const READERS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`change events under load: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Note], { database: database.url, logLevel: 'error', plugins: [eventsPlugin()] });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    it(`${WRITES} writes from ${WRITERS} clients while ${READERS} SSE clients drop and resume at random: each sees exactly the committed sequence`, async (t) => {
      const random = seededRandom('STRATA_EVENTS_SEED');
      const started = Date.now();
      try {
        const load = new Load(app.baseUrl, random);
        const readers = Array.from({ length: READERS }, (_, index) => new Reader(`reader ${index + 1}`, app.baseUrl, random));
        await Promise.all(readers.map((reader) => reader.connected));
        await Promise.all(Array.from({ length: WRITERS }, () => load.writer()));
        const committed = await loggedEvents(app.baseUrl);
        assert.equal(committed.length, WRITES, 'one event per write');
        assert.deepEqual(countTypes(committed), load.counts, 'the log holds the writes that were made');
        for (const reader of readers) reader.finish(committed[committed.length - 1].id);
        await Promise.all(readers.map((reader) => reader.done));
        const expected = committed.map((event) => event.id);
        for (const reader of readers) {
          assertSameSequence(reader.name, reader.ids, expected);
          assert.ok(reader.connections >= 5, `${reader.name} resumed only ${reader.connections - 1} times; the test needs more drops`);
        }
        t.diagnostic(`seed ${random.seed}: ${WRITES} writes (${JSON.stringify(load.counts)}); connections per reader ${readers.map((reader) => reader.connections).join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        if (error instanceof Error) error.message += `\n(seed ${random.seed}; replay with STRATA_EVENTS_SEED=${random.seed})`;
        throw error;
      }
    });
  });
}

/** Concurrent writers through REST: creates, updates (each a real change) and deletes of their own notes. */
class Load {
  readonly counts = { created: 0, updated: 0, deleted: 0 };
  private issued = 0;
  private serial = 0;

  constructor(private readonly baseUrl: string, private readonly random: SeededRandom) {}

  async writer(): Promise<void> {
    const mine: string[] = [];
    while (this.issued < WRITES) {
      this.issued++;
      const choice = this.random.next();
      if (mine.length < 3 || choice < 0.4) {
        const body = await this.send('POST', '/notes', 201, { title: `Note ${++this.serial}`, count: 0 });
        mine.push(body.id);
        this.counts.created++;
      } else if (choice < 0.85) {
        // A fresh count every time: an update that changes nothing writes no event.
        await this.send('PATCH', `/notes/${mine[this.random.between(0, mine.length - 1)]}`, 200, { count: ++this.serial });
        this.counts.updated++;
      } else {
        const [id] = mine.splice(this.random.between(0, mine.length - 1), 1);
        await this.send('DELETE', `/notes/${id}`, 204);
        this.counts.deleted++;
      }
    }
  }

  private async send(method: string, path: string, status: number, body?: unknown): Promise<any> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    const text = await response.text();
    assert.equal(response.status, status, `${method} ${path}: ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }
}

/**
 * An SSE client that keeps reconnecting: each connection lasts a random time (it may be cut in the
 * middle of a message), then after a random pause it resumes after the last id it received, with
 * `Last-Event-ID` or `?after=` at random. Its first connection sends neither (start at the next
 * event; the log is empty then). After `finish(lastId)` it reads until it has `lastId`.
 */
class Reader {
  readonly ids: string[] = [];
  connections = 0;
  readonly connected: Promise<void>;
  readonly done: Promise<void>;
  private finalId?: string;
  private markConnected!: () => void;

  constructor(readonly name: string, private readonly baseUrl: string, private readonly random: SeededRandom) {
    this.connected = new Promise((resolve) => { this.markConnected = resolve; });
    this.done = this.run();
  }

  finish(lastId: string): void {
    this.finalId = lastId;
  }

  private async run(): Promise<void> {
    for (;;) {
      const last = this.ids[this.ids.length - 1] ?? '0';
      const byHeader = this.random.next() < 0.5;
      const resume: Record<string, string> | undefined = this.connections === 0 ? {} : byHeader ? { 'Last-Event-ID': last } : undefined;
      const stream = await openSse(`${this.baseUrl}/_events${resume === undefined ? `?after=${last}` : ''}`, resume ?? {});
      assert.equal(stream.status, 200, `${this.name}: the stream answered ${stream.status}`);
      this.connections++;
      this.markConnected();
      const finalId = this.finalId;
      if (finalId !== undefined) {
        await waitUntil(() => stream.messages[stream.messages.length - 1]?.id === finalId || this.ids[this.ids.length - 1] === finalId, 30_000,
          () => `${this.name} to receive event ${finalId} (last: ${stream.messages[stream.messages.length - 1]?.id ?? this.ids[this.ids.length - 1]})`);
      } else {
        await sleep(this.random.between(1, 250));
      }
      stream.close();
      // What arrived before the cut; a message cut in half is not in it, as with EventSource.
      for (const message of stream.messages) {
        const event = JSON.parse(message.data!) as StrataEvent;
        assert.equal(event.id, message.id, `${this.name}: the data's id is the SSE id`);
        assert.equal(event.type, message.event, `${this.name}: the SSE event is the type`);
        this.ids.push(message.id!);
      }
      if (finalId !== undefined) return;
      await sleep(this.random.between(0, 60));
    }
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(10);
  }
}

function countTypes(events: readonly StrataEvent[]): Record<string, number> {
  const counts: Record<string, number> = { created: 0, updated: 0, deleted: 0 };
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

/** Asserts `actual` is `expected` exactly, saying how many ids are missing and repeated and where they first differ. */
function assertSameSequence(name: string, actual: readonly string[], expected: readonly string[]): void {
  const seen = new Set(actual);
  const gaps = expected.filter((id) => !seen.has(id)).length;
  const duplicates = actual.length - seen.size;
  const first = expected.findIndex((id, index) => actual[index] !== id);
  assert.ok(gaps === 0 && duplicates === 0 && actual.length === expected.length && first === -1,
    `${name}: ${gaps} gap(s), ${duplicates} duplicate(s), ${actual.length} ids for ${expected.length} committed events; first difference at #${first}: expected ${expected[first]}, got ${actual[first]}`);
}

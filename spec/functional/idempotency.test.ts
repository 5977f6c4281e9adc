import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Length } from 'class-validator';
import { definePlugin, jobsPlugin, Resource } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { startEventServer, type ServerProcess } from '../support/event-servers.js';
import { startApp, type TestApp } from '../support/http.js';
import { Ping } from '../support/job-worker-entry.js';
import { Note, Tick } from '../support/ops-server-entry.js';

const OPS_SERVER_ENTRY = fileURLToPath(new URL('../support/ops-server-entry.js', import.meta.url));

/** A resource whose creates the tests count. */
@Resource()
class Receipt {
  @Length(1, 50) label!: string;
}

/**
 * A Parcel labelled `hold` waits, once its key is claimed and before its transaction begins, until
 * the test opens the gate: the REST handler asks the user resolvers who calls after the
 * idempotency guard did, so the resolver holds that second call.
 */
@Resource()
class Parcel {
  @Length(1, 50) label!: string;
}

let entered: () => void = () => undefined;
let release: () => void = () => undefined;
const seen = new WeakSet<object>();
const holdHook = definePlugin({
  name: 'hold-parcels',
  configure(context) {
    context.authenticate(async (request) => {
      const { body, path } = request as { body?: unknown; path?: string };
      if (path !== '/parcels' || !Buffer.isBuffer(body) || !body.toString().includes('"hold"')) return undefined;
      if (!seen.has(request as object)) {
        seen.add(request as object);
        return undefined;
      }
      const gate = new Promise<void>((resolve) => { release = resolve; });
      entered();
      await gate;
      return undefined;
    });
  },
});

const keyed = (key: string) => ({ 'Idempotency-Key': `"${key}"` });

/** docs/operations.md: Idempotency-Key on POST creates, `_bulk` and job creates, shared by the servers of one database. */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`Idempotency-Key: ${backend.name}`, () => {
    let app: TestApp;
    let other: ServerProcess;
    let dispose: () => Promise<void>;

    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Receipt, Parcel, Ping, Note, Tick], { database: database.url, plugins: [jobsPlugin({ worker: false }), holdHook], logLevel: 'error' });
      // Another server on the same database, in its own process.
      other = await startEventServer({ STRATA_DATABASE_URL: database.url }, OPS_SERVER_ENTRY);
    });
    after(async () => {
      await other?.kill();
      await app?.close();
      await dispose?.();
    });

    const count = async (path: string) => (await app.request('GET', `${path}/_count`)).body.count as number;

    it('a repeat with the same key and body replays the first answer, on this server and on another one', async () => {
      const first = await app.request('POST', '/receipts', { body: { label: 'one' }, headers: keyed('k-create') });
      assert.equal(first.status, 201);
      const again = await app.request('POST', '/receipts', { body: { label: 'one' }, headers: keyed('k-create') });
      assert.equal(again.status, 201);
      assert.equal(again.text, first.text);
      assert.equal(again.headers.get('location'), first.headers.get('location'));
      assert.equal(again.headers.get('etag'), first.headers.get('etag'));
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(first.headers.get('idempotent-replayed'), null);
      assert.equal(await count('/receipts'), 1);
    });

    it('another server process on the same database replays the answer too', async () => {
      const post = (base: string) => fetch(`${base}/notes`, { method: 'POST', headers: { 'content-type': 'application/json', ...keyed('k-shared') }, body: JSON.stringify({ text: 'shared' }) });
      const first = await post(other.baseUrl);
      assert.equal(first.status, 201);
      const here = await post(app.baseUrl);
      assert.equal(here.status, 201);
      assert.equal(here.headers.get('idempotent-replayed'), 'true');
      assert.equal(await here.text(), await first.text(), 'keys live in the shared database');
      assert.equal(await count('/notes'), 1);
    });

    it('the same key with another body is a 422, and nothing is written', async () => {
      await app.request('POST', '/receipts', { body: { label: 'two' }, headers: keyed('k-other') });
      const before = await count('/receipts');
      const reused = await app.request('POST', '/receipts', { body: { label: 'not two' }, headers: keyed('k-other') });
      assert.equal(reused.status, 422);
      assert.equal(reused.body.errors[0].path, 'Idempotency-Key');
      assert.equal(await count('/receipts'), before);
    });

    it('a repeat while the first is still running is a 409; afterwards it replays', async () => {
      const inside = new Promise<void>((resolve) => { entered = resolve; });
      const first = app.request('POST', '/parcels', { body: { label: 'hold' }, headers: keyed('k-running') });
      await inside;
      const during = await app.request('POST', '/parcels', { body: { label: 'hold' }, headers: keyed('k-running') });
      assert.equal(during.status, 409);
      assert.equal(during.body.errors[0].path, 'Idempotency-Key');
      release();
      const answered = await first;
      assert.equal(answered.status, 201);
      const after = await app.request('POST', '/parcels', { body: { label: 'hold' }, headers: keyed('k-running') });
      assert.equal(after.status, 201);
      assert.equal(after.text, answered.text);
      assert.equal(await count('/parcels'), 1);
    });

    it('a refused request keeps no key: a corrected retry with the same key runs', async () => {
      const invalid = await app.request('POST', '/receipts', { body: { label: '' }, headers: keyed('k-fix') });
      assert.equal(invalid.status, 422);
      const fixed = await app.request('POST', '/receipts', { body: { label: 'fixed' }, headers: keyed('k-fix') });
      assert.equal(fixed.status, 201);
    });

    it('_bulk and job creates honour the key', async () => {
      const before = await count('/receipts');
      const items = [{ label: 'b1' }, { label: 'b2' }];
      const bulk = await app.request('POST', '/receipts/_bulk', { body: items, headers: keyed('k-bulk') });
      assert.equal(bulk.status, 201, bulk.text);
      const bulkAgain = await app.request('POST', '/receipts/_bulk', { body: items, headers: keyed('k-bulk') });
      assert.equal(bulkAgain.text, bulk.text);
      assert.equal(await count('/receipts'), before + 2);

      const job = await app.request('POST', '/pings', { body: { n: 1 }, headers: keyed('k-job') });
      assert.equal(job.status, 201, job.text);
      const jobAgain = await app.request('POST', '/pings', { body: { n: 1 }, headers: keyed('k-job') });
      assert.equal(jobAgain.status, 201);
      assert.equal(jobAgain.body.id, job.body.id);
      assert.equal(await count('/pings'), 1, 'one job queued');
    });

    it('a malformed key (too long, not ASCII, empty) is a 400 and nothing is written', async () => {
      const before = await count('/receipts');
      for (const key of ['x'.repeat(256), 'cl\u00e9', '""', 'a"b']) {
        const response = await app.request('POST', '/receipts', { body: { label: 'bad key' }, headers: { 'Idempotency-Key': key } });
        assert.equal(response.status, 400, `key ${key.slice(0, 20)}`);
        assert.equal(response.body.errors[0].path, 'Idempotency-Key');
      }
      assert.equal(await count('/receipts'), before);
    });
  });
}

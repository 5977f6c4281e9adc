import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Length } from 'class-validator';
import { bootstrap, jobsPlugin, Resource, type JobState } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { startEventServer } from '../support/event-servers.js';
import { startApp, type TestApp } from '../support/http.js';
import { Ping } from '../support/job-worker-entry.js';
import { databaseProbe, waitFor } from '../support/jobs.js';
import { Note, Tick } from '../support/ops-server-entry.js';

const OPS_SERVER_ENTRY = fileURLToPath(new URL('../support/ops-server-entry.js', import.meta.url));

/** A resource for the probes. */
@Resource()
class Gauge {
  @Length(1, 50) name!: string;
}

/** docs/operations.md: `/_health`, `/_ready` and the graceful shutdown, on SQLite and PostgreSQL. */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`operations: probes, ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    const probe = databaseProbe();

    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Gauge, Ping], { database: database.url, plugins: [jobsPlugin({ processEvery: 100, checkInterval: 100 }), probe.plugin], logLevel: 'error' });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    it('GET /_health answers 200 and is in the OpenAPI document', async () => {
      const response = await app.request('GET', '/_health');
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { status: 'ok' });
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json() as { paths: Record<string, any> };
      assert.ok(document.paths['/_health'].get, 'GET /_health is described');
      assert.ok(document.paths['/_ready'].get.responses['503'], 'GET /_ready describes its 503');
    });

    it('GET /_ready answers 200 when the database answers, the schema is in step and the worker runs', async () => {
      const response = await app.request('GET', '/_ready');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body, { status: 'ready', checks: { database: 'ok', schema: 'ok', workers: 'ok', shutdown: 'ok' } });
    });

    it('GET /_ready answers 503 naming the table when the schema is not in step', async () => {
      const table = app.strata.models.find((model) => model.target === Gauge)!.names.table;
      await probe.database().run(`ALTER TABLE "${table}" RENAME TO "moved"`);
      try {
        const response = await app.request('GET', '/_ready');
        assert.equal(response.status, 503);
        assert.equal(response.body.code, 'UNAVAILABLE');
        assert.equal(response.body.errors.length, 1, 'only the schema check fails');
        assert.equal(response.body.errors[0].path, 'schema');
        assert.ok(response.body.errors[0].message.startsWith(`table ${table} `), response.body.errors[0].message);
        assert.ok(response.body.detail.startsWith(`Not ready: schema: table ${table} `), response.body.detail);
      } finally {
        await probe.database().run(`ALTER TABLE "moved" RENAME TO "${table}"`);
      }
      assert.equal((await app.request('GET', '/_ready')).status, 200);
    });
  });
}

describe('operations: probes without jobs', () => {
  it('reports workers as none where this process runs no worker by design', async () => {
    const app = await startApp([Gauge, Ping], { plugins: [jobsPlugin({ worker: false })], logLevel: 'error' });
    try {
      const response = await app.request('GET', '/_ready');
      assert.equal(response.status, 200);
      assert.equal(response.body.checks.workers, 'none');
    } finally {
      await app.close();
    }
  });

  it('answers 503 while a shutdown waits for a request in flight, which then finishes', async () => {
    let entered: () => void;
    const inside = new Promise<void>((resolve) => { entered = resolve; });
    let release: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const app = await startApp([Gauge], {
      logLevel: 'error',
      afterBootstrap(express) {
        express.get('/hold', (_request, response) => {
          entered();
          void gate.then(() => response.json({ held: true }));
        });
      },
    });
    try {
      assert.equal((await app.request('GET', '/_ready')).status, 200);
      const held = fetch(`${app.baseUrl}/hold`);
      await inside;
      // No server given: the app keeps listening, so the probe can be read while the shutdown waits.
      let shutDown = false;
      const shutdown = app.strata.shutdown({ shutdownTimeoutMs: 60_000 }).then(() => { shutDown = true; });
      const response = await app.request('GET', '/_ready');
      assert.equal(response.status, 503);
      assert.deepEqual(response.body.errors, [{ path: 'shutdown', message: 'shutting down' }]);
      assert.equal(response.headers.get('connection'), 'close', 'answers during a shutdown close their connection');
      assert.equal(shutDown, false, 'the shutdown waits for the request in flight');
      release!();
      assert.equal((await held).status, 200);
      await shutdown;
      assert.equal(shutDown, true);
    } finally {
      release!();
      await app.close();
    }
  });
});

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`operations: SIGTERM, ${backend.name}`, () => {
    let url: string;
    let dispose: () => Promise<void>;

    before(async () => {
      const database = await backend.create();
      [url, dispose] = [database.url, database.dispose];
    });
    after(async () => {
      await dispose?.();
    });

    it('finishes the request and the job in flight, then exits 0; nothing acknowledged is lost', async () => {
      const server = await startEventServer({ STRATA_DATABASE_URL: url }, OPS_SERVER_ENTRY);
      try {
        const ready = await fetch(`${server.baseUrl}/_ready`);
        assert.equal(ready.status, 200, await ready.text());
        const job = await fetch(`${server.baseUrl}/ticks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ waitForSignal: true }) });
        assert.equal(job.status, 201);
        const jobId = (await job.json() as { id: string }).id;
        await waitFor(() => server.output().includes('tick waiting') || undefined, 'the job to run');
        // This create waits in a hook until the process got SIGTERM: it is in flight as the shutdown begins.
        const inFlight = fetch(`${server.baseUrl}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'kept', waitForSignal: true }) });
        await waitFor(() => server.output().includes('note waiting') || undefined, 'the create to be in flight');
        await server.stop(20_000);
        const created = await inFlight;
        assert.equal(created.status, 201, await created.clone().text());
        const note = await created.json() as { id: string; text: string };
        await assert.rejects(fetch(`${server.baseUrl}/_health`), 'the stopped server accepts no connection');

        const strata = await bootstrap(null, { resources: [Note, Tick], database: url, plugins: [jobsPlugin({ worker: false })], logLevel: 'error' });
        try {
          assert.equal((await strata.manager(Note).get(note.id)).text, 'kept');
          const state = (await strata.manager(Tick).get(jobId))._job as JobState;
          assert.equal(state.status, 'succeeded', JSON.stringify(state));
        } finally {
          await strata.close();
        }
      } finally {
        await server.kill();
      }
    });
  });
}

describe('operations: one JSON log line per request', () => {
  it('names method, path, status, duration, request id and user, and never the credentials, body or query', async () => {
    const database = await BACKENDS.find((candidate) => candidate.name === 'sqlite-file')!.create();
    const server = await startEventServer({ STRATA_DATABASE_URL: database.url, STRATA_LOG_LEVEL: 'info' }, OPS_SERVER_ENTRY);
    try {
      const secret = 'sk_live_do_not_log_me';
      const created = await fetch(`${server.baseUrl}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}-header`, 'x-api-key': `${secret}-key`, 'x-request-id': 'req-log-1', 'x-user': 'ada' },
        body: JSON.stringify({ text: `${secret}-body` }),
      });
      assert.equal(created.status, 201);
      const missing = await fetch(`${server.baseUrl}/notes/nope?token=${secret}-query`, { headers: { 'x-request-id': 'req-log-2' } });
      assert.ok(missing.status >= 400);
      const lines = () => server.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      await waitFor(() => lines().some((line) => line.requestId === 'req-log-2') || undefined, 'the second request to be logged');
      const first = lines().find((line) => line.requestId === 'req-log-1')!;
      assert.equal(first.level, 'info');
      assert.equal(first.message, 'request');
      assert.equal(first.method, 'POST');
      assert.equal(first.path, '/notes');
      assert.equal(first.status, 201);
      assert.equal(first.userId, 'ada');
      assert.equal(typeof first.durationMs, 'number');
      assert.ok(typeof first.time === 'string' && !Number.isNaN(Date.parse(first.time)));
      const second = lines().find((line) => line.requestId === 'req-log-2')!;
      assert.deepEqual([second.method, second.path, second.status, second.userId], ['GET', '/notes/nope', missing.status, null]);
      assert.equal(server.output().includes(secret), false, 'no token, API key, query or body is logged');
    } finally {
      await server.kill();
      await database.dispose();
    }
  });
});

describe('operations: CORS for cors.origins', () => {
  it('answers the preflight and shares answers with the listed origins only', async () => {
    const app = await startApp([Gauge], { cors: { origins: ['https://app.example.com'] }, logLevel: 'error' });
    try {
      const preflight = await fetch(`${app.baseUrl}/gauges`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(preflight.headers.get('access-control-allow-methods')!, /\bPOST\b/);
      assert.match(preflight.headers.get('access-control-allow-headers')!, /\bIdempotency-Key\b/);
      assert.equal(preflight.headers.get('access-control-allow-credentials'), null);

      const created = await app.request('POST', '/gauges', { body: { name: 'cors' }, headers: { origin: 'https://app.example.com' } });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(created.headers.get('access-control-expose-headers')!, /\bLocation\b/);
      assert.match(created.headers.get('vary')!, /Origin/);

      const elsewhere = await app.request('GET', '/gauges', { headers: { origin: 'https://evil.example' } });
      assert.equal(elsewhere.status, 200);
      assert.equal(elsewhere.headers.get('access-control-allow-origin'), null, 'no CORS header for an origin not listed');
      // (fetch, not app.request: this refusal comes before the REST plugin gives the answer its X-Request-Id)
      const refused = await fetch(`${app.baseUrl}/gauges`, { method: 'POST', body: JSON.stringify({ name: 'x' }), headers: { origin: 'https://evil.example', 'content-type': 'application/json' } });
      assert.equal(refused.status, 403, 'a write from an origin not listed is still refused');
    } finally {
      await app.close();
    }
  });
});

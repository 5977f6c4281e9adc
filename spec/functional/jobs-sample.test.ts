import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Strata } from '../../index.js';
import { compileOpenApiChecker, type OpenApiChecker } from '../support/openapi-check.js';
import { waitFor } from '../support/jobs.js';

/**
 * The jobs sample (samples/jobs) as a fixture: its own app factory on SQLite in memory, driven over
 * HTTP through the walk-through of samples/jobs/README.md, every response checked against /openapi.json.
 */
describe('samples/jobs: the README walk-through', () => {
  let strata: Strata;
  let server: Server;
  let base: string;
  let check: OpenApiChecker;

  before(async () => {
    process.env.REPORT_STEP_MS = '40';
    const { createApp } = await import('../../samples/jobs/src/app.js');
    const created = await createApp({ database: 'sqlite::memory:' });
    strata = created.strata;
    server = await new Promise<Server>((resolve) => { const listening = created.app.listen(0, '127.0.0.1', () => resolve(listening)); });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    check = compileOpenApiChecker(await (await fetch(`${base}/openapi.json`)).json() as object);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await strata.close();
  });

  async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${base}${path}`, { method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    check({ method, path, status: response.status, headers: response.headers, body: parsed });
    return { status: response.status, body: parsed };
  }
  const until = (id: string, status: string) => waitFor(async () => {
    const { body } = await request('GET', `/reports/${id}`);
    return body._job.status === status ? body : undefined;
  }, `report ${id} to be ${status}`);

  it('queues a report, runs it with progress and logs, retries one, cancels one, and finds them by status', async () => {
    const queued = await request('POST', '/reports', { kind: 'sales', days: 30 });
    assert.equal(queued.status, 201);
    assert.equal(queued.body._job.status, 'queued');
    const running = await until(queued.body.id, 'running');
    assert.equal(running._job.attempts, 1);
    const done = await until(queued.body.id, 'succeeded');
    assert.deepEqual(done._job.result, { kind: 'sales', rows: 450, file: `reports/sales-${done.id}.csv` });
    assert.equal(done._job.progress, 100);
    const logs = await request('GET', `/reports/${done.id}/logs`);
    assert.deepEqual(logs.body.items.map((line: { message: string }) => line.message).slice(0, 2), ['generating the sales report for the last 30 days', 'step 1/5: 30 rows']);
    assert.equal((await request('GET', `/reports/${done.id}/revisions`)).body.items.length, 3);

    const flaky = await request('POST', '/reports', { kind: 'inventory', days: 7, failFirst: 1 });
    const recovered = await until(flaky.body.id, 'succeeded');
    assert.equal(recovered._job.attempts, 2);
    assert.equal((await request('GET', `/reports/${flaky.body.id}/revisions`)).body.items.length, 5);
    assert.match((await request('GET', `/reports/${flaky.body.id}/revisions/3`)).body.data._job.error, /not reachable \(attempt 1\)/);

    const later = await request('POST', '/reports?runAt=2030-01-01T09:00:00Z', { kind: 'signups', days: 1 });
    assert.equal(later.body._job.runAt, '2030-01-01T09:00:00.000Z');
    assert.equal((await request('POST', `/reports/${later.body.id}/cancel`)).body._job.status, 'cancelled');
    assert.equal((await request('POST', `/reports/${later.body.id}/rerun`)).body._job.status, 'queued');
    assert.equal((await request('POST', `/reports/${later.body.id}/rerun`)).status, 409);
    assert.equal((await request('POST', '/reports', { kind: 'sales', days: 1, _job: { status: 'succeeded' } })).status, 422);

    const succeeded = await request('GET', '/reports?where[_job.status]=succeeded&sort=-_job.finishedAt');
    assert.deepEqual(succeeded.body.items.map((item: { id: string }) => item.id), [flaky.body.id, queued.body.id]);
  });
});

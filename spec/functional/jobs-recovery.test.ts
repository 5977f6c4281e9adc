import 'reflect-metadata';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { bootstrap, Job, jobsPlugin, Resource, type JobHandler, type JobState, type ResourceView, type Strata } from '../../index.js';
import { BACKENDS, POSTGRES_ADMIN_URL } from '../support/backends.js';
import { tapStderr } from '../support/fixtures.js';
import { waitFor } from '../support/jobs.js';

/**
 * What happens to jobs when things go wrong around them: a state write that fails, a worker shut
 * down during the last attempt, an import that a read hook would refuse, and PostgreSQL dropping
 * (and for a while refusing) the worker's LISTEN connection.
 */
const work: JobHandler<Sturdy> = async (job, ctx) => {
  if (job.mode === 'hang') {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    throw ctx.signal.reason;
  }
  return { ran: job.id };
};

/** `breakOn` names the `_job.status` whose first recording fails (a lost connection, a throwing hook). */
@Resource()
@Job({ handler: work, maxAttempts: 3, backoff: { type: 'fixed', delay: 50 } })
class Sturdy {
  @IsOptional() @IsIn(['running', 'succeeded']) breakOn?: string;
  @IsOptional() @IsIn(['hang']) mode?: string;
  @IsOptional() @IsString() note?: string;
}

/** A job with a single attempt. */
@Resource()
@Job({ handler: work, maxAttempts: 1 })
class OneShot {
  @IsOptional() @IsIn(['hang']) mode?: string;
}

const stateOf = async (strata: Strata, target: Function, id: string) => (await strata.manager(target as never).get(id, { user: { id: 'test' } }))._job as JobState;
const backendNamed = (name: string) => BACKENDS.find((candidate) => candidate.name === name)!;

async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`jobs recovery: ${backend.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    it('a failed write of the start or the outcome leaves the job queued to run again, never lost', async () => {
      const database = await backend.create();
      cleanup.push(database.dispose);
      const strata = await bootstrap(null, { resources: [Sturdy], database: database.url, plugins: [jobsPlugin({ processEvery: 100 })], logLevel: 'error' });
      cleanup.push(() => strata.close());
      const broken = new Set<string>();
      strata.hooks.after('jobState', (hook) => {
        const view = hook.result as ResourceView & { breakOn?: string; _job: JobState };
        if (view._job.status !== view.breakOn || broken.has(view.id)) return;
        broken.add(view.id);
        throw new Error(`the connection dropped while recording ${view.breakOn}`);
      });
      const jobs = strata.manager(Sturdy);
      const atStart = await jobs.create({ breakOn: 'running' });
      const atEnd = await jobs.create({ breakOn: 'succeeded' });
      for (const job of [atStart, atEnd]) {
        await waitFor(async () => (await stateOf(strata, Sturdy, job.id)).status === 'succeeded' || undefined, `job ${String(job.breakOn)} to succeed`, 15_000);
      }
      assert.deepEqual([...broken].sort(), [atStart.id, atEnd.id].sort(), 'both writes failed once');
      assert.equal((await stateOf(strata, Sturdy, atStart.id)).attempts, 1, 'the start was recorded on the next claim');
      assert.equal((await stateOf(strata, Sturdy, atEnd.id)).attempts, 2, 'an attempt whose outcome was lost runs again (at least once)');
    });

    it('an import queues its pending jobs even when a read hook would refuse the importing call', async () => {
      const database = await backend.create();
      cleanup.push(database.dispose);
      const source = await bootstrap(null, { resources: [Sturdy], database: database.url, plugins: [jobsPlugin({ worker: false })], logLevel: 'error' });
      const queued = await source.manager(Sturdy).create({ note: 'imported' });
      const records = [];
      for await (const record of source.manager(Sturdy).exportRecords()) records.push(record);
      await source.close();

      const target = await backend.create();
      cleanup.push(target.dispose);
      const strata = await bootstrap(null, { resources: [Sturdy], database: target.url, plugins: [jobsPlugin({ processEvery: 100 })], logLevel: 'error' });
      cleanup.push(() => strata.close());
      strata.hooks.before('get', (hook) => {
        if (!hook.user) throw new Error('reads need a user');
      });
      assert.deepEqual(await strata.manager(Sturdy).importRecords(records, { user: { id: 'importer' } }), [queued.id]);
      await waitFor(async () => (await stateOf(strata, Sturdy, queued.id)).status === 'succeeded' || undefined, 'the imported job to run');
    });
  });
}

describe('jobs recovery: shutdown', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('a worker shutting down during the last attempt fails the job instead of running it beyond maxAttempts', async () => {
    const database = await backendNamed('sqlite-file').create();
    cleanup.push(database.dispose);
    const worker = await bootstrap(null, { resources: [OneShot], database: database.url, plugins: [jobsPlugin({ processEvery: 100, shutdownTimeout: 100 })], logLevel: 'error' });
    const job = await worker.manager(OneShot).create({ mode: 'hang' });
    await waitFor(async () => (await stateOf(worker, OneShot, job.id)).status === 'running' || undefined, 'the attempt to start');
    await worker.close();
    const reader = await bootstrap(null, { resources: [OneShot], database: database.url, plugins: [jobsPlugin({ worker: false })], logLevel: 'error' });
    cleanup.push(() => reader.close());
    const state = await stateOf(reader, OneShot, job.id);
    assert.deepEqual([state.status, state.attempts, state.maxAttempts, state.error], ['failed', 1, 1, 'the worker is shutting down']);
  });
});

describe('jobs recovery: the LISTEN connection on postgres', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('comes back after it dropped while PostgreSQL refused connections for a while, without crashing the process', async () => {
    const database = await backendNamed('postgres').create();
    cleanup.push(database.dispose);
    const name = new URL(database.url).pathname.slice(1);
    // Polls are 20 s apart: a job that runs at once was woken by a NOTIFY, so LISTEN works.
    const strata = await bootstrap(null, { resources: [Sturdy], database: database.url, plugins: [jobsPlugin({ processEvery: 20_000 })], logLevel: 'warn' });
    cleanup.push(() => strata.close());
    const runs = async (what: string) => {
      const job = await strata.manager(Sturdy).create({});
      await waitFor(async () => (await stateOf(strata, Sturdy, job.id)).status === 'succeeded' || undefined, what, 8000);
    };
    const listeners = async () => Number((await adminQuery(
      "SELECT COUNT(*) AS count FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN strata_jobs'", [name])).rows[0].count);
    await runs('a job woken by NOTIFY');

    const stderr = tapStderr();
    try {
      await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      try {
        await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN strata_jobs'", [name]);
        await waitFor(() => stderr.lines.some((line) => line.includes('could not be opened again')) || undefined, 'a reconnect to fail', 10_000);
      } finally {
        await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      }
      await waitFor(async () => (await listeners()) === 1 || undefined, 'LISTEN to be back', 15_000, 100);
    } finally {
      stderr.restore();
    }
    assert.ok(stderr.lines.some((line) => line.includes('the LISTEN connection failed')), stderr.lines.join(''));
    await runs('a job woken by NOTIFY after the reconnect');
  });
});

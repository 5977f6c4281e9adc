import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsIn } from 'class-validator';
import { Job, Resource, jobsPlugin, restPlugin, openApiPlugin, graphqlPlugin, type JobHandler } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { startApp, type TestApp } from '../support/http.js';
import { waitFor } from '../support/jobs.js';

/** How many times each job's handler ran. */
const runs = new Map<string, number>();

const wait: JobHandler<Waiter> = async (job, ctx) => {
  const run = (runs.get(job.id) ?? 0) + 1;
  runs.set(job.id, run);
  await ctx.log(`run ${run}`);
  if (job.kind === 'twice' && run <= 2) ctx.postpone(50, `not ready (run ${run})`);
  if (job.kind === 'bad') ctx.postpone(-1, 'never');
  return { runs: run };
};

/** A job that postpones itself (`twice`), or asks for a wait that is no wait (`bad`). */
@Resource()
@Job({ handler: wait, maxAttempts: 1 })
class Waiter {
  @IsIn(['twice', 'bad']) kind!: string;
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`ctx.postpone: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Waiter], {
        database: database.url, logLevel: 'warn',
        plugins: [restPlugin(), graphqlPlugin(), openApiPlugin(), jobsPlugin({ processEvery: 100, checkInterval: 100, lockLifetime: 2000 })],
      });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    const settled = (id: string) => waitFor(async () => {
      const job = (await app.request('GET', `/waiters/${id}`)).body;
      return ['succeeded', 'failed'].includes(job._job.status) ? job : undefined;
    }, `waiter ${id} to settle`);

    it('queues the job again after the delay without counting the attempt, with the reason as _job.error meanwhile', async () => {
      const created = (await app.request('POST', '/waiters', { body: { kind: 'twice' } })).body;
      const job = await settled(created.id);
      // maxAttempts is 1: the two postponed runs did not use it up.
      assert.equal(job._job.status, 'succeeded');
      assert.equal(job._job.attempts, 1);
      assert.deepEqual(job._job.result, { runs: 3 });
      const states = [];
      for (let n = 1; n <= job._meta.revision; n++) states.push((await app.request('GET', `/waiters/${created.id}?revision=${n}`)).body._job);
      assert.deepEqual(states.map((state) => state.status), ['queued', 'running', 'queued', 'running', 'queued', 'running', 'succeeded']);
      assert.deepEqual(states.map((state) => state.attempts), [0, 1, 0, 1, 0, 1, 1]);
      assert.equal(states[2].error, 'not ready (run 1)');
      assert.ok(Date.parse(states[2].runAt) >= Date.parse(states[1].startedAt) + 50);
      const logs = (await app.request('GET', `/waiters/${created.id}/logs`)).body.items;
      assert.deepEqual(logs.map((line: any) => [line.attempt, line.message]), [[1, 'run 1'], [1, 'run 2'], [1, 'run 3']]);
    });

    it('fails the attempt when the delay is not a number of milliseconds', async () => {
      const created = (await app.request('POST', '/waiters', { body: { kind: 'bad' } })).body;
      const job = await settled(created.id);
      assert.equal(job._job.status, 'failed');
      assert.match(job._job.error, /ctx.postpone takes a delay of 0 or more milliseconds, got -1/);
    });
  });
}

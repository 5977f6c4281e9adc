import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrap, jobsPlugin, type JobState, type Strata } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { Ping } from '../support/job-worker-entry.js';
import { startWorker, waitFor, type WorkerProcess } from '../support/jobs.js';
import { JobLogStore } from '../../plugins/jobs/logs.js';
import { databaseProbe } from '../support/jobs.js';

/**
 * Worker processes (`node dist/bin/strata.js worker <entry>`) on one database, SQLite file and
 * PostgreSQL: this test process only queues jobs (worker: false) and reads their state.
 */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`strata worker processes: ${backend.name}`, () => {
    let strata: Strata;
    let url: string;
    let dispose: () => Promise<void>;
    let logs: JobLogStore;
    const workers: WorkerProcess[] = [];
    const probe = databaseProbe();

    before(async () => {
      const database = await backend.create();
      [url, dispose] = [database.url, database.dispose];
      strata = await bootstrap(null, { resources: [Ping], database: url, plugins: [jobsPlugin({ worker: false }), probe.plugin], logLevel: 'warn' });
      logs = new JobLogStore(probe.database());
    });
    after(async () => {
      await Promise.all(workers.map((worker) => worker.kill()));
      await strata?.close();
      await dispose?.();
    });

    const pings = () => strata.manager(Ping);
    const runsOf = async (id: string) => (await logs.page('Ping', id, 100)).items.map((line) => line.message);

    it('two workers run 200 jobs, every job succeeding exactly once', async () => {
      // STRATA_JOBS_WORKER=false tells web servers not to run jobs; `strata worker` asks the jobs plugin for a worker regardless.
      const environment = { STRATA_DATABASE_URL: url, JOB_PROCESS_EVERY: '100', STRATA_JOBS_WORKER: 'false' };
      workers.push(...await Promise.all([startWorker(environment), startWorker(environment)]));
      const created = await pings().createMany(Array.from({ length: 200 }, (_, n) => ({ n })));
      await waitFor(async () => (await pings().count({ where: { '_job.status': 'succeeded' } })) === 200 || undefined, '200 jobs to succeed', 60_000, 100);
      const pids = new Map<number, number>();
      for (const job of created) {
        const done = await pings().get(job.id);
        const state = done._job as JobState;
        assert.equal(state.attempts, 1, `job ${job.n} ran ${state.attempts} times`);
        const runs = await runsOf(job.id);
        assert.equal(runs.length, 1, `job ${job.n} logged ${runs.length} runs: ${runs.join('; ')}`);
        const pid = (state.result as { pid: number }).pid;
        pids.set(pid, (pids.get(pid) ?? 0) + 1);
        assert.equal((await pings().revisions(job.id)).items.length, 3, 'queued, running, succeeded');
      }
      assert.equal(pids.size, 2, `both workers took jobs: ${JSON.stringify([...pids])}`);
      for (const worker of workers.splice(0)) assert.equal(await worker.stop(), 0, worker.output());
    });

    it('a job whose worker was killed (SIGKILL) mid-job runs again after its lock expires, and then succeeds once', async () => {
      const environment = { STRATA_DATABASE_URL: url, JOB_PROCESS_EVERY: '100', JOB_LOCK_LIFETIME: '1500' };
      const doomed = await startWorker(environment);
      workers.push(doomed);
      const job = await pings().create({ n: 1000, hangOnFirstAttempt: true });
      await waitFor(async () => ((await pings().get(job.id))._job as JobState).status === 'running' || undefined, 'the first attempt to start');
      // Ready (and polling every 100 ms) before the kill, so only the lock keeps it from the job.
      workers.push(await startWorker(environment));
      await doomed.kill();
      const killedAt = Date.now();
      const done = await waitFor(async () => {
        const view = await pings().get(job.id);
        return (view._job as JobState).status === 'succeeded' ? view : undefined;
      }, 'the job to succeed in the second worker', 20_000);
      const state = done._job as JobState;
      assert.equal(state.attempts, 2);
      // The lock lives 1500 ms and is refreshed every 600 ms: it expires 900–1500 ms after the kill.
      const waited = Date.parse(state.startedAt!) - killedAt;
      assert.ok(waited >= 500, `the second attempt started ${waited} ms after the kill: it did not wait for the lock to expire`);
      assert.notEqual((state.result as { pid: number }).pid, doomed.child.pid);
      assert.deepEqual((await runsOf(job.id)).map((line) => line.replace(/ in \d+$/, '')), ['attempt 1 ran', 'attempt 2 ran']);
      const statuses = [];
      for (const entry of (await pings().revisions(job.id)).items) statuses.push(((await pings().revision(job.id, entry.revision)).data!._job as JobState).status);
      assert.deepEqual(statuses, ['queued', 'running', 'running', 'succeeded']);
      for (const worker of workers.splice(0)) await worker.stop();
    });
  });
}

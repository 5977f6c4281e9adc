import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JobParameters } from 'agenda';
import { bootstrap, jobsPlugin, type Strata } from '../../index.js';
import { SqlJobRepository } from '../../plugins/jobs/index.js';
import { BACKENDS } from '../support/backends.js';
import { databaseProbe } from '../support/jobs.js';

/**
 * The JobRepository contract (Agenda's shared repository suite, plus what Strata adds: claim
 * tokens, lock expiry, next-run order and the resource-queue operations), run on every
 * backend the jobs plugin ships: SQLite (memory and file) and PostgreSQL.
 */
for (const backend of BACKENDS) {
  describe(`job backend conformance: ${backend.name}`, () => {
    let strata: Strata;
    let repo: SqlJobRepository;
    let dispose: () => Promise<void>;
    const probe = databaseProbe();

    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      strata = await bootstrap(null, { resources: [], database: database.url, plugins: [jobsPlugin({ worker: false }), probe.plugin], logLevel: 'warn' });
      repo = new SqlJobRepository(probe.database());
    });
    after(async () => {
      await strata?.close();
      await dispose?.();
    });
    beforeEach(async () => {
      await repo.purgeAllJobs();
    });

    const job = (name: string, extra: Partial<JobParameters> = {}): JobParameters => ({
      name, priority: 0, nextRunAt: new Date(Date.now() - 1000), type: 'normal', data: {}, ...extra,
    });
    const window = () => {
      const now = new Date();
      return { now, nextScanAt: new Date(now.getTime() + 5000), lockDeadline: new Date(now.getTime() - 600_000) };
    };
    const next = (name: string, lockDeadline = window().lockDeadline) => {
      const { now, nextScanAt } = window();
      return repo.getNextJobToRun(name, nextScanAt, lockDeadline, now, { lastModifiedBy: 'test' });
    };

    describe('saveJob', () => {
      it('inserts a new job with an id and updates it by id', async () => {
        const saved = await repo.saveJob(job('save', { priority: 10, data: { foo: 'bar' } }), undefined);
        assert.ok(saved._id);
        assert.deepEqual([saved.name, saved.priority, saved.type, saved.data], ['save', 10, 'normal', { foo: 'bar' }]);
        const updated = await repo.saveJob({ ...saved, priority: 20, data: { version: 2 } }, undefined);
        assert.equal(updated._id, saved._id);
        assert.deepEqual([updated.priority, updated.data], [20, { version: 2 }]);
      });
      it('upserts "single" jobs (every schedules) by name, keeping a due time that is past', async () => {
        const first = await repo.saveJob(job('single', { type: 'single', nextRunAt: new Date(Date.now() + 60_000), data: { run: 1 } }), undefined);
        const second = await repo.saveJob(job('single', { type: 'single', priority: 10, nextRunAt: new Date(Date.now() + 120_000), data: { run: 2 } }), undefined);
        assert.equal(second._id, first._id);
        assert.deepEqual([second.priority, second.data], [10, { run: 2 }]);
        assert.equal((await repo.queryJobs({ name: 'single' })).total, 1);
        const due = new Date(Date.now() - 5000);
        await repo.saveJob({ ...second, nextRunAt: due }, undefined);
        const again = await repo.saveJob(job('single', { type: 'single', nextRunAt: new Date(Date.now() - 1000) }), undefined);
        assert.equal(again.nextRunAt?.getTime(), due.getTime(), 'a past due time is kept');
      });
      it('keeps the next run of an unchanged "single" schedule, so restarting workers never postpone it; a changed schedule moves it', async () => {
        const due = new Date(Date.now() + 60_000);
        const first = await repo.saveJob(job('schedule', { type: 'single', repeatInterval: '1 minute', nextRunAt: due }), undefined);
        const restarted = await repo.saveJob(job('schedule', { type: 'single', repeatInterval: '1 minute', nextRunAt: new Date(Date.now() + 61_000) }), undefined);
        assert.equal(restarted._id, first._id);
        assert.equal(restarted.nextRunAt?.getTime(), due.getTime(), 'a worker starting later keeps the run that was planned');
        const hourly = new Date(Date.now() + 3_600_000);
        const changed = await repo.saveJob(job('schedule', { type: 'single', repeatInterval: '1 hour', nextRunAt: hourly }), undefined);
        assert.deepEqual([changed._id, changed.nextRunAt?.getTime(), changed.repeatInterval], [first._id, hourly.getTime(), '1 hour']);
      });
      it('upserts by a unique key: insertOnly keeps the first, debounce moves the next run', async () => {
        const first = await repo.saveJob({ ...job('unique', { data: { user: 7, v: 1 } }), unique: { 'data.user': 7 } }, undefined);
        const kept = await repo.saveJob({ ...job('unique', { data: { user: 7, v: 2 } }), unique: { 'data.user': 7 }, uniqueOpts: { insertOnly: true } }, undefined);
        assert.equal(kept._id, first._id);
        assert.deepEqual(kept.data, { user: 7, v: 1 });
        const replaced = await repo.saveJob({ ...job('unique', { data: { user: 7, v: 3 } }), unique: { 'data.user': 7 } }, undefined);
        assert.equal(replaced._id, first._id);
        assert.deepEqual(replaced.data, { user: 7, v: 3 });
        const other = await repo.saveJob({ ...job('unique', { data: { user: 8 } }), unique: { 'data.user': 8 } }, undefined);
        assert.notEqual(other._id, first._id);
        const before = Date.now();
        const debounced = await repo.saveJob({ ...job('unique', { data: { user: 7 } }), unique: { 'data.user': 7 }, uniqueOpts: { debounce: { delay: 5000 } } }, undefined);
        assert.equal(debounced._id, first._id);
        assert.ok(debounced.nextRunAt!.getTime() >= before + 5000, 'trailing debounce pushes the next run');
        assert.ok(debounced.debounceStartedAt);
        assert.equal((await repo.queryJobs({ name: 'unique' })).total, 2);
      });
      it('keeps the disabled flag', async () => {
        const saved = await repo.saveJob(job('disabled', { disabled: true }), undefined);
        assert.equal(saved.disabled, true);
        assert.equal((await repo.getJobById(saved._id!))?.disabled, true);
      });
    });

    describe('reads', () => {
      it('getJobById returns a job, and null once it is removed', async () => {
        const saved = await repo.saveJob(job('by-id', { data: { key: 'value' } }), undefined);
        assert.deepEqual((await repo.getJobById(saved._id!))?.data, { key: 'value' });
        assert.equal(await repo.removeJobs({ id: saved._id! }), 1);
        assert.equal(await repo.getJobById(saved._id!), null);
      });
      it('queryJobs filters by name, names, search, data, disabled and state, and pages', async () => {
        await repo.saveJob(job('job-a', { priority: 10, nextRunAt: new Date(Date.now() + 60_000), data: { type: 'alpha', count: 1 } }), undefined);
        await repo.saveJob(job('job-b', { priority: 5, nextRunAt: new Date(Date.now() + 120_000), data: { type: 'beta', count: 2 } }), undefined);
        await repo.saveJob(job('job-a', { priority: 15, nextRunAt: new Date(Date.now() + 180_000), data: { type: 'alpha', count: 3 } }), undefined);
        await repo.saveJob(job('paused', { disabled: true }), undefined);
        assert.equal((await repo.queryJobs()).total, 4);
        assert.equal((await repo.queryJobs({ name: 'job-a' })).total, 2);
        assert.equal((await repo.queryJobs({ names: ['job-a', 'job-b'] })).total, 3);
        assert.equal((await repo.queryJobs({ search: 'JOB' })).total, 3);
        assert.equal((await repo.queryJobs({ data: { type: 'alpha' } })).total, 2);
        assert.equal((await repo.queryJobs({ data: { type: 'alpha', count: 3 } })).total, 1);
        assert.equal((await repo.queryJobs({ includeDisabled: false })).total, 3);
        assert.equal((await repo.queryJobs({ state: 'scheduled' })).total, 3);
        assert.equal((await repo.queryJobs({ state: 'paused' })).total, 1);
        const page = await repo.queryJobs({ names: ['job-a', 'job-b'], sort: { nextRunAt: 'asc' }, skip: 1, limit: 1 });
        assert.deepEqual([page.total, page.jobs.length, page.jobs[0].name], [3, 1, 'job-b']);
      });
      it('lists distinct names and counts the jobs due now', async () => {
        assert.deepEqual(await repo.getDistinctJobNames(), []);
        await repo.saveJob(job('name-a', { nextRunAt: new Date(Date.now() - 60_000) }), undefined);
        await repo.saveJob(job('name-b', { nextRunAt: new Date(Date.now() - 30_000) }), undefined);
        await repo.saveJob(job('name-a', { nextRunAt: new Date(Date.now() + 60_000) }), undefined);
        assert.deepEqual(await repo.getDistinctJobNames(), ['name-a', 'name-b']);
        assert.equal(await repo.getQueueSize(), 2);
      });
      it('gives an overview per name with counts by state', async () => {
        await repo.saveJob(job('overview', { nextRunAt: new Date(Date.now() + 60_000) }), undefined);
        await repo.saveJob(job('overview', { nextRunAt: null, lastFinishedAt: new Date() }), undefined);
        await repo.saveJob(job('overview', { nextRunAt: new Date(Date.now() - 1000) }), undefined);
        await repo.saveJob(job('other', { nextRunAt: new Date(Date.now() + 60_000), disabled: true }), undefined);
        const overview = await repo.getJobsOverview();
        const mine = overview.find((entry) => entry.name === 'overview')!;
        assert.deepEqual([mine.total, mine.scheduled, mine.queued], [3, 1, 1]);
        const other = overview.find((entry) => entry.name === 'other')!;
        assert.deepEqual([other.total, other.paused], [1, 1]);
      });
    });

    describe('remove, disable, enable', () => {
      it('removes by name, id, ids and notNames; nothing without criteria', async () => {
        const one = await repo.saveJob(job('remove'), undefined);
        const two = await repo.saveJob(job('remove'), undefined);
        const keep = await repo.saveJob(job('keep'), undefined);
        assert.equal(await repo.removeJobs({}), 0);
        assert.equal(await repo.removeJobs({ name: 'nothing' }), 0);
        assert.equal(await repo.removeJobs({ ids: [one._id!, two._id!] }), 2);
        await repo.saveJob(job('remove'), undefined);
        assert.equal(await repo.removeJobs({ notNames: ['keep'] }), 1);
        assert.deepEqual((await repo.queryJobs()).jobs.map((entry) => entry._id), [keep._id]);
      });
      it('disabled jobs are never claimed until enabled', async () => {
        await repo.saveJob(job('toggle'), undefined);
        assert.equal(await repo.disableJobs({ name: 'toggle' }), 1);
        assert.equal(await next('toggle'), undefined);
        assert.equal(await repo.enableJobs({ name: 'toggle' }), 1);
        assert.ok(await next('toggle'));
      });
    });

    describe('claims and locks', () => {
      it('lockJob locks once; unlockJob and unlockJobs release', async () => {
        const saved = await repo.saveJob(job('lock'), undefined);
        const locked = await repo.lockJob(saved, undefined);
        assert.ok(locked?.lockedAt);
        assert.equal(await repo.lockJob(saved, undefined), undefined, 'a locked job cannot be locked again');
        await repo.unlockJob(locked!);
        assert.equal((await repo.getJobById(saved._id!))?.lockedAt, undefined);
        const other = await repo.saveJob(job('lock'), undefined);
        await repo.lockJob(saved, undefined);
        await repo.lockJob(other, undefined);
        await repo.unlockJobs([saved._id!, other._id!]);
        for (const id of [saved._id!, other._id!]) assert.equal((await repo.getJobById(id))?.lockedAt, undefined);
      });
      it('getNextJobToRun claims due jobs in next-run order, then by priority, and none that are in the future', async () => {
        const base = Date.now() - 60_000;
        await repo.saveJob(job('order', { nextRunAt: new Date(base + 2000), priority: 100, data: { n: 3 } }), undefined);
        await repo.saveJob(job('order', { nextRunAt: new Date(base), priority: 0, data: { n: 1 } }), undefined);
        await repo.saveJob(job('order', { nextRunAt: new Date(base), priority: 10, data: { n: 0 } }), undefined);
        await repo.saveJob(job('order', { nextRunAt: new Date(base + 1000), data: { n: 2 } }), undefined);
        await repo.saveJob(job('order', { nextRunAt: new Date(Date.now() + 60_000), data: { n: 4 } }), undefined);
        const claimed: unknown[] = [];
        for (let claim = await next('order'); claim; claim = await next('order')) {
          assert.ok(claim.lockedAt);
          assert.equal(claim.lastModifiedBy, 'test');
          claimed.push((claim.data as { n: number }).n);
        }
        assert.deepEqual(claimed, [0, 1, 2, 3]);
      });
      it('a lock holds until it expires; then the job is claimed again under a new claim token', async () => {
        await repo.saveJob(job('expiry'), undefined);
        const first = await next('expiry') as JobParameters & { claim: string };
        // Agenda clears nextRunAt when it starts a one-off job; a worker that dies leaves it so.
        await repo.saveJobState({ ...first, nextRunAt: null, lastRunAt: new Date() }, undefined);
        assert.equal(await next('expiry'), undefined, 'a fresh lock keeps the job');
        const expired = await next('expiry', new Date(Date.now() + 1000)) as JobParameters & { claim: string };
        assert.equal(expired?._id, first._id, 'an expired lock frees the job');
        assert.ok(expired.claim && expired.claim !== first.claim);
        await assert.rejects(repo.saveJobState({ ...first, lockedAt: undefined }, undefined), /claimed again/, 'the first claim can no longer write');
        await repo.saveJobState({ ...expired, lockedAt: undefined, lastFinishedAt: new Date() }, undefined);
        const stored = await repo.getJobById(first._id!);
        assert.equal(stored?.lockedAt, undefined);
        assert.ok(stored?.lastFinishedAt);
      });
      it('unlockJob leaves a running job (next run cleared) locked', async () => {
        await repo.saveJob(job('running'), undefined);
        const claimed = await next('running');
        await repo.saveJobState({ ...claimed!, nextRunAt: null }, undefined);
        await repo.unlockJob({ ...claimed!, nextRunAt: null });
        await repo.unlockJobs([claimed!._id!]);
        assert.ok((await repo.getJobById(claimed!._id!))?.lockedAt);
      });
      it('concurrent claims never take one job twice', async () => {
        for (let index = 0; index < 12; index++) await repo.saveJob(job('race', { data: { index } }), undefined);
        const claims = await Promise.all(Array.from({ length: 30 }, () => next('race')));
        const ids = claims.filter(Boolean).map((claim) => claim!._id);
        assert.equal(ids.length, new Set(ids).size, 'no job was claimed twice');
        let more = await next('race');
        while (more) {
          ids.push(more._id);
          more = await next('race');
        }
        assert.equal(new Set(ids).size, 12);
      });
      it('saveJobState writes the state fields', async () => {
        const saved = await repo.saveJob(job('state'), undefined);
        const now = new Date();
        await repo.saveJobState({ ...saved, lastRunAt: now, lastFinishedAt: now, progress: 50, failCount: 1, failReason: 'Test error', failedAt: now }, undefined);
        const stored = await repo.getJobById(saved._id!);
        assert.deepEqual([stored?.lastRunAt?.getTime(), stored?.progress, stored?.failCount, stored?.failReason, stored?.failedAt?.getTime()],
          [now.getTime(), 50, 1, 'Test error', now.getTime()]);
      });
    });

    describe('resource queue entries (Strata)', () => {
      it('enqueue inserts, and re-enqueue resets an entry to run again, unclaimed', async () => {
        const runAt = Date.now() + 60_000;
        await repo.enqueue({ id: 'Thing:1', name: 'Thing', runAt, data: { id: '1' } });
        const stored = await repo.getJobById('Thing:1') as JobParameters & { claim: string };
        assert.deepEqual([stored.name, stored.type, stored.nextRunAt?.getTime(), stored.data], ['Thing', 'normal', runAt, { id: '1' }]);
        await repo.enqueue({ id: 'Thing:1', name: 'Thing', runAt: Date.now() - 1, data: { id: '1' } });
        const claimed = await next('Thing') as JobParameters & { claim: string };
        assert.equal(claimed._id, 'Thing:1');
        assert.equal(await repo.claimOf('Thing:1'), claimed.claim);
        await repo.enqueue({ id: 'Thing:1', name: 'Thing', runAt: Date.now() - 1, data: { id: '1' } });
        assert.notEqual(await repo.claimOf('Thing:1'), claimed.claim, 'a rerun supersedes the claim');
        assert.equal(await repo.reschedule('Thing:1', claimed.claim, Date.now()), false);
        assert.equal(await repo.dequeue('Thing:1', claimed.claim), false);
        assert.ok(await next('Thing'), 'the reset entry is unlocked and due');
      });
      it('reschedule and dequeue act only for the current claim', async () => {
        await repo.enqueue({ id: 'Thing:2', name: 'Thing', runAt: Date.now() - 1, data: { id: '2' } });
        const claimed = await next('Thing') as JobParameters & { claim: string };
        const later = Date.now() + 30_000;
        assert.equal(await repo.reschedule('Thing:2', claimed.claim, later), true);
        assert.equal((await repo.getJobById('Thing:2'))?.nextRunAt?.getTime(), later);
        assert.equal(await repo.dequeue('Thing:2', claimed.claim), true);
        assert.equal(await repo.claimOf('Thing:2'), undefined);
        assert.equal(await repo.dequeue('Thing:2'), false);
      });
    });
  });
}

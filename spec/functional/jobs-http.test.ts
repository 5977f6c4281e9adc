import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsIn, IsInt, IsOptional } from 'class-validator';
import { Indexed, Job, Resource, jobsPlugin, restPlugin, openApiPlugin, graphqlPlugin, type JobHandler } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';
import { waitFor } from '../support/jobs.js';

/** What the handlers saw, by job id: when each attempt started, and why a signal was aborted. */
const starts = new Map<string, number[]>();
const aborts = new Map<string, string>();

const work: JobHandler<Task> = async (job, ctx) => {
  starts.set(job.id, [...starts.get(job.id) ?? [], Date.now()]);
  switch (job.kind) {
    case 'ok':
      await ctx.log(`doubling ${job.value}`);
      await ctx.progress(50);
      await ctx.log('half way', 'warn');
      await ctx.progress(100);
      await ctx.log('done');
      return { doubled: (job.value ?? 0) * 2 };
    case 'fail':
      throw new Error(`failure ${ctx.attempt}`);
    case 'wait':
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      aborts.set(job.id, `${(ctx.signal.reason as Error).name}: ${(ctx.signal.reason as Error).message}`);
      throw ctx.signal.reason;
    default:
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return 'late';
  }
};

/** A job whose behaviour its `kind` picks. */
@Resource()
@Job({ handler: work, maxAttempts: 3, backoff: { type: 'exponential', delay: 150, maxDelay: 1000 }, concurrency: 10 })
class Task {
  @Indexed() @IsIn(['ok', 'fail', 'wait', 'slow']) kind!: string;
  @IsOptional() @IsInt() value?: number;
}

/** A job that times out. */
@Resource()
@Job({ handler: work, maxAttempts: 1, timeout: 200 })
class Timed {
  @IsIn(['slow', 'wait']) kind!: string;
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`jobs over REST: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Task, Timed], {
        database: database.url, logLevel: 'warn',
        plugins: [restPlugin(), graphqlPlugin(), openApiPlugin(), jobsPlugin({ processEvery: 200, checkInterval: 100 })],
      });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    const create = async (body: object, query = '', path = '/tasks') => {
      const response = await app.request('POST', `${path}${query}`, { body });
      assert.equal(response.status, 201, response.text);
      return response.body;
    };
    const settled = (id: string, status: string, path = '/tasks') => waitFor(async () => {
      const response = await app.request('GET', `${path}/${id}`);
      return response.body._job.status === status ? response.body : undefined;
    }, `job ${id} to be ${status}`);

    it('runs a created job: the resource shows succeeded with the result, each status change is a revision', async () => {
      const created = await create({ kind: 'ok', value: 21 });
      assert.equal(created._job.status, 'queued');
      assert.deepEqual({ ...created._job, runAt: undefined }, { status: 'queued', attempts: 0, maxAttempts: 3, runAt: undefined, startedAt: null, finishedAt: null, progress: null, result: null, error: null });
      assert.deepEqual(Object.keys(created), ['id', 'kind', 'value', '_job', '_meta']);
      const done = await settled(created.id, 'succeeded');
      assert.deepEqual(done._job.result, { doubled: 42 });
      assert.equal(done._job.attempts, 1);
      assert.equal(done._job.progress, 100);
      assert.ok(done._job.startedAt <= done._job.finishedAt);
      assert.notEqual(done._meta.etag, created._meta.etag);
      const revisions = await app.request('GET', `/tasks/${created.id}/revisions`);
      assert.equal(revisions.body.items.length, 3);
      const statuses = [];
      for (const entry of revisions.body.items) statuses.push((await app.request('GET', `/tasks/${created.id}/revisions/${entry.revision}`)).body.data._job.status);
      assert.deepEqual(statuses, ['queued', 'running', 'succeeded']);
      const listed = await app.request('GET', `/tasks?where[_job.status]=succeeded&where[kind]=ok&sort=-_job.finishedAt`);
      assert.ok(listed.body.items.some((item: { id: string }) => item.id === created.id));
      const projected = await app.request('GET', `/tasks?fields=kind&where[id]=${created.id}`);
      assert.deepEqual(Object.keys(projected.body.items[0]), ['id', 'kind', '_job', '_meta']);
      expectProblem(await app.request('GET', '/tasks?where[_job.nope]=1'), 400, 'BAD_QUERY');
    });

    it('retries a failing job with backoff and ends failed with the error after maxAttempts', async () => {
      const created = await create({ kind: 'fail' });
      const failed = await settled(created.id, 'failed');
      assert.equal(failed._job.attempts, 3);
      assert.equal(failed._job.error, 'failure 3');
      const [first, second, third] = starts.get(created.id)!;
      assert.ok(second - first >= 140, `the first retry waited ${second - first} ms, backoff is 150`);
      assert.ok(third - second >= 290, `the second retry waited ${third - second} ms, backoff doubles to 300`);
      const revisions = await app.request('GET', `/tasks/${created.id}/revisions`);
      assert.equal(revisions.body.items.length, 7, 'queued, 3 × (running, then queued again or failed)');
      const retry = (await app.request('GET', `/tasks/${created.id}/revisions/3`)).body.data._job;
      assert.deepEqual([retry.status, retry.error], ['queued', 'failure 1']);
    });

    it('cancel aborts the signal of a running job; cancelling again changes nothing; a finished job cannot be cancelled', async () => {
      const created = await create({ kind: 'wait' });
      await settled(created.id, 'running');
      const cancelled = await app.request('POST', `/tasks/${created.id}/cancel`);
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.body._job.status, 'cancelled');
      assert.equal(cancelled.headers.get('etag'), cancelled.body._meta.etag);
      await waitFor(() => aborts.get(created.id), 'the handler to see its signal aborted');
      assert.equal(aborts.get(created.id), 'AbortError: the job was cancelled');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await app.request('GET', `/tasks/${created.id}`);
      assert.equal(after.body._job.status, 'cancelled', 'the aborted attempt does not overwrite the cancel');
      assert.equal((await app.request('POST', `/tasks/${created.id}/cancel`)).body._meta.revision, after.body._meta.revision);
      const done = await create({ kind: 'ok', value: 1 });
      await settled(done.id, 'succeeded');
      expectProblem(await app.request('POST', `/tasks/${done.id}/cancel`), 409, 'CONFLICT');
      expectProblem(await app.request('POST', '/tasks/nope/cancel'), 404, 'NOT_FOUND');
    });

    it('waits for runAt; a cancelled queued job never runs; a bad runAt is a 400', async () => {
      // No fixed sleeps: the cancelled job is due first, so had it stayed queued it would have been
      // claimed (in next-run order) and started before the scheduled one finished.
      const never = await create({ kind: 'ok', value: 3 }, `?runAt=${new Date(Date.now() + 1500).toISOString()}`);
      assert.equal((await app.request('POST', `/tasks/${never.id}/cancel`)).body._job.status, 'cancelled');
      const runAt = new Date(Math.max(Date.now(), Date.parse(never._job.runAt)) + 300).toISOString();
      const scheduled = await create({ kind: 'ok', value: 2 }, `?runAt=${runAt}`);
      assert.equal(scheduled._job.runAt, runAt);
      const done = await settled(scheduled.id, 'succeeded');
      assert.ok(Date.parse(done._job.startedAt) >= Date.parse(runAt), `started ${done._job.startedAt}, due ${runAt}`);
      assert.equal(starts.get(never.id), undefined);
      assert.equal((await app.request('GET', `/tasks/${never.id}`)).body._job.status, 'cancelled');
      expectProblem(await app.request('POST', '/tasks?runAt=tomorrow', { body: { kind: 'ok' } }), 400, 'BAD_REQUEST');
    });

    it('rerun queues a finished job again (409 while it is queued or running), and its logs page by attempt', async () => {
      const created = await create({ kind: 'ok', value: 5 });
      expectProblem(await app.request('POST', `/tasks/${created.id}/rerun`), 409, 'CONFLICT');
      await settled(created.id, 'succeeded');
      const rerun = await app.request('POST', `/tasks/${created.id}/rerun`);
      assert.equal(rerun.status, 200, rerun.text);
      assert.deepEqual([rerun.body._job.status, rerun.body._job.attempts, rerun.body._job.result], ['queued', 0, null]);
      const again = await settled(created.id, 'succeeded');
      assert.deepEqual(again._job.result, { doubled: 10 });
      assert.equal(starts.get(created.id)!.length, 2);
      const first = await app.request('GET', `/tasks/${created.id}/logs?limit=4`);
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.body.items.map((line: { message: string }) => line.message), ['doubling 5', 'half way', 'done', 'doubling 5']);
      assert.deepEqual(first.body.items.map((line: { level: string }) => line.level), ['info', 'warn', 'info', 'info']);
      const second = await app.request('GET', `/tasks/${created.id}/logs?limit=4&cursor=${first.body.nextCursor}`);
      assert.deepEqual(second.body.items.map((line: { message: string }) => line.message), ['half way', 'done']);
      assert.equal(second.body.nextCursor, null);
      assert.deepEqual(second.body.items.map((line: { attempt: number }) => line.attempt), [1, 1], 'a rerun starts its attempts again');
      expectProblem(await app.request('GET', '/tasks/nope/logs'), 404, 'NOT_FOUND');
      const failed = await create({ kind: 'fail' });
      await settled(failed.id, 'failed');
      assert.equal((await app.request('POST', `/tasks/${failed.id}/rerun`)).body._job.status, 'queued');
    });

    it('keeps _job read-only for clients; a client write keeps the job state', async () => {
      const created = await create({ kind: 'ok', value: 7 });
      const done = await settled(created.id, 'succeeded');
      expectProblem(await app.request('PUT', `/tasks/${created.id}`, { body: { kind: 'ok', _job: { status: 'queued' } } }), 422, 'VALIDATION_FAILED');
      expectProblem(await app.request('PATCH', `/tasks/${created.id}`, { body: { _job: { status: 'queued' } } }), 422, 'VALIDATION_FAILED');
      expectProblem(await app.request('PATCH', `/tasks/${created.id}`, { rawBody: JSON.stringify([{ op: 'replace', path: '/_job/status', value: 'queued' }]), headers: { 'content-type': 'application/json-patch+json' } }), 422, 'VALIDATION_FAILED');
      const edited = await app.request('PATCH', `/tasks/${created.id}`, { body: { value: 8 } });
      assert.equal(edited.status, 200, edited.text);
      assert.deepEqual({ ...edited.body._job }, { ...done._job });
      assert.equal(edited.body.value, 8);
      const undone = await app.request('POST', `/tasks/${created.id}/switch/${done._meta.revision}`);
      assert.equal(undone.status, 200, undone.text);
      assert.deepEqual([undone.body.value, undone.body._job.status], [7, 'succeeded'], 'a switch that keeps _job undoes an edit');
      expectProblem(await app.request('POST', `/tasks/${created.id}/switch/1`), 409, 'CONFLICT');
      assert.equal((await app.request('GET', `/tasks/${created.id}`)).body._job.status, 'succeeded', 'a switch never brings back an old job state');
    });

    it('fails an attempt that exceeds the timeout, aborting its signal', async () => {
      const created = await create({ kind: 'slow' }, '', '/timeds');
      const failed = await settled(created.id, 'failed', '/timeds');
      assert.match(failed._job.error, /timed out after 200 ms/);
      const listening = await create({ kind: 'wait' }, '', '/timeds');
      await settled(listening.id, 'failed', '/timeds');
      assert.equal(aborts.get(listening.id), 'TimeoutError: the attempt timed out after 200 ms', 'the handler saw its signal aborted');
    });

    it('a deleted queued job leaves the queue; restoring it queues it again', async () => {
      const created = await create({ kind: 'ok', value: 9 }, `?runAt=${new Date(Date.now() + 1000).toISOString()}`);
      assert.equal((await app.request('DELETE', `/tasks/${created.id}`)).status, 204);
      // Past its due time plus two polls: a job still queued would have started by now.
      const control = await create({ kind: 'ok', value: 1 }, `?runAt=${created._job.runAt}`);
      await settled(control.id, 'succeeded');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(starts.get(created.id), undefined);
      assert.equal((await app.request('POST', `/tasks/${created.id}/restore`)).status, 200);
      assert.deepEqual((await settled(created.id, 'succeeded'))._job.result, { doubled: 18 });
    });
  });
}

import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsIn, IsInt, IsOptional } from 'class-validator';
import {
  definePlugin, graphqlPlugin, Indexed, Job, jobsPlugin, openApiPlugin, Resource, restPlugin, type HookName, type JobHandler,
} from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { expectData, expectError, graphql, type GraphQLResponse } from '../support/graphql.js';
import { startApp, type TestApp } from '../support/http.js';
import { waitFor } from '../support/jobs.js';

/** Why each job's signal was aborted, by job id. */
const aborts = new Map<string, string>();

const render: JobHandler<Render> = async (job, ctx) => {
  switch (job.kind) {
    case 'ok':
      await ctx.log(`rendering ${job.pages}`);
      await ctx.progress(50);
      await ctx.log('half way', 'warn');
      await ctx.progress(100);
      await ctx.log('done');
      return { pages: job.pages ?? 0, attempt: ctx.attempt };
    case 'fail':
      throw new Error(`broken on attempt ${ctx.attempt}`);
    default:
      // 'wait': runs until its signal is aborted.
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      aborts.set(job.id, `${(ctx.signal.reason as Error).name}: ${(ctx.signal.reason as Error).message}`);
      throw ctx.signal.reason;
  }
};

/** A job whose behaviour its `kind` picks. */
@Resource()
@Job({ handler: render, maxAttempts: 2, backoff: { type: 'fixed', delay: 100 }, concurrency: 10 })
class Render {
  @Indexed() @IsIn(['ok', 'fail', 'wait']) kind!: string;
  @IsOptional() @IsInt() pages?: number;
}

/** Manager calls seen by hooks, as `operation:id`: each job mutation must be exactly one. */
const calls: string[] = [];
const callsOf = (id: string) => calls.filter((call) => call.endsWith(`:${id}`));
const callCounter = definePlugin({
  name: 'call-counter',
  configure({ hooks }) {
    hooks.before({ operations: ['rerun', 'cancel', 'get', 'create'] satisfies HookName[] }, (hook) => {
      calls.push(`${hook.operation}:${String(hook.input.id ?? '')}`);
    });
  },
});

const JOB = '_job { status attempts maxAttempts runAt startedAt finishedAt progress result error }';
const RENDER = `id kind pages ${JOB} _meta { revision updatedBy }`;

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`jobs over GraphQL: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Render], {
        database: database.url, logLevel: 'warn',
        currentUser: (request) => {
          const user = (request as { headers: Record<string, string | undefined> }).headers['x-user'];
          return user ? { id: user } : null;
        },
        plugins: [restPlugin(), graphqlPlugin(), openApiPlugin(), jobsPlugin({ processEvery: 200, checkInterval: 100, lockLifetime: 2000 }), callCounter],
      });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    const send = (query: string, variables?: Record<string, unknown>, user?: string): Promise<GraphQLResponse> =>
      graphql(app, query, { variables, headers: user ? { 'x-user': user } : {} });
    const create = async (input: Record<string, unknown>, runAt?: string) => {
      const data = expectData(await send(`mutation($input: RenderInput!, $runAt: DateTime) { createRender(input: $input, runAt: $runAt) { ${RENDER} } }`, { input, runAt }));
      return data.createRender;
    };
    const read = async (id: string) => expectData(await send(`query($id: ID!) { render(id: $id) { ${RENDER} } }`, { id })).render;
    /** Polls `_job.status` over GraphQL until it is `status`. */
    const settled = (id: string, status: string) => waitFor(async () => {
      const render = await read(id);
      return render._job.status === status ? render : undefined;
    }, `job ${id} to be ${status}`);
    const rerun = (id: string, expectedRevision?: number, user?: string) =>
      send(`mutation($id: ID!, $expected: Int) { rerunRender(id: $id, expectedRevision: $expected) { ${RENDER} } }`, { id, expected: expectedRevision }, user);
    const cancel = (id: string, expectedRevision?: number) =>
      send(`mutation($id: ID!, $expected: Int) { cancelRender(id: $id, expectedRevision: $expected) { ${RENDER} } }`, { id, expected: expectedRevision });
    const logs = (id: string, limit?: number, cursor?: string) =>
      send('query($id: ID!, $limit: Int, $cursor: String) { renderLogs(id: $id, limit: $limit, cursor: $cursor) { items { at attempt level message } nextCursor } }', { id, limit, cursor });

    it('creates a job scheduled with runAt; _job.status goes from queued to succeeded with the result, as REST shows it', async () => {
      const runAt = new Date(Date.now() + 800).toISOString();
      const created = await create({ kind: 'ok', pages: 21 }, runAt);
      assert.deepEqual(created._job, {
        status: 'queued', attempts: 0, maxAttempts: 2, runAt, startedAt: null, finishedAt: null, progress: null, result: null, error: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await read(created.id))._job.status, 'queued', 'not due yet');
      const done = await settled(created.id, 'succeeded');
      assert.deepEqual(done._job.result, { pages: 21, attempt: 1 });
      assert.equal(done._job.attempts, 1);
      assert.equal(done._job.progress, 100);
      assert.ok(Date.parse(done._job.startedAt) >= Date.parse(runAt), `started ${done._job.startedAt}, due ${runAt}`);
      assert.ok(done._job.startedAt <= done._job.finishedAt);
      assert.equal(done._meta.revision, 3, 'queued, running, succeeded');
      const rest = await app.request('GET', `/renders/${created.id}`);
      assert.deepEqual(rest.body._job, done._job, 'GraphQL returns the _job REST returns');
    });

    it('filters on _job.status and sorts by _job_runAt', async () => {
      // Created in one order, due (in the past, so at once) in another.
      const now = Date.now();
      const ids: string[] = [];
      for (const offset of [3000, 1000, 2000]) ids.push((await create({ kind: 'ok', pages: offset }, new Date(now - offset).toISOString())).id);
      for (const id of ids) await settled(id, 'succeeded');
      const query = `query($where: RenderWhere, $sort: [RenderSort!]) { renders(where: $where, sort: $sort, total: true) { items { id pages _job { status runAt } } total } }`;
      const inline = expectData(await send(`query($ids: [ID!]) {
        renders(where: { id: { in: $ids }, _job: { status: { eq: succeeded } } }, sort: [_job_runAt_ASC]) { items { id } }
      }`, { ids }));
      assert.deepEqual(inline.renders.items.map((item: { id: string }) => item.id), [ids[0], ids[2], ids[1]]);
      const descending = expectData(await send(query, { where: { id: { in: ids }, _job: { status: { eq: 'succeeded' } } }, sort: ['_job_runAt_DESC'] }));
      assert.deepEqual(descending.renders.items.map((item: { id: string }) => item.id), [ids[1], ids[2], ids[0]]);
      assert.equal(descending.renders.total, 3);
      const pending = expectData(await send(query, { where: { id: { in: ids }, _job: { status: { in: ['queued', 'running'] } } } }));
      assert.equal(pending.renders.total, 0);
      const ranges = expectData(await send(query, {
        where: { id: { in: ids }, _job: { runAt: { lt: new Date(now - 1500).toISOString() }, attempts: { eq: 1 }, progress: { gte: 100 } } }, sort: ['_job_finishedAt_ASC'],
      }));
      assert.deepEqual(ranges.renders.items.map((item: { id: string }) => item.id).sort(), [ids[0], ids[2]].sort());
      const combined = expectData(await send(query, { where: { id: { in: ids }, or: [{ _job: { status: { eq: 'failed' } } }, { _job: null, kind: { eq: 'ok' } }], not: { _job: { runAt: { gt: new Date(now).toISOString() } } } } }));
      assert.equal(combined.renders.total, 3);
      // A status that is not a JobStatus value is refused by GraphQL itself.
      expectError(await send('{ renders(where: { _job: { status: { eq: done } } }) { total } }'), 'BAD_REQUEST', 400);
      expectError(await send(query, { where: { _job: { runAt: { gt: 'tomorrow' } } } }), 'BAD_QUERY');
    });

    it('reruns a finished job with one manager call (CONFLICT while it is queued or running), as the current user', async () => {
      const scheduled = await create({ kind: 'ok', pages: 1 }, new Date(Date.now() + 60_000).toISOString());
      const queued = expectError(await rerun(scheduled.id), 'CONFLICT');
      assert.match(queued.message, /is queued; only a succeeded, failed or cancelled job can be rerun/);
      assert.deepEqual(queued.path, ['rerunRender']);
      const waiting = await create({ kind: 'wait' });
      await settled(waiting.id, 'running');
      assert.match(expectError(await rerun(waiting.id), 'CONFLICT').message, /is running/);
      expectData(await cancel(waiting.id));
      expectData(await cancel(scheduled.id));

      const created = await create({ kind: 'ok', pages: 5 });
      const done = await settled(created.id, 'succeeded');
      expectError(await rerun(created.id, done._meta.revision - 1), 'PRECONDITION_FAILED');
      calls.length = 0;
      const again = expectData(await rerun(created.id, done._meta.revision, 'ada')).rerunRender;
      assert.deepEqual(callsOf(created.id), [`rerun:${created.id}`], 'one manager call');
      assert.deepEqual([again._job.status, again._job.attempts, again._job.result, again._job.error], ['queued', 0, null, null]);
      assert.equal(again._meta.revision, done._meta.revision + 1);
      assert.equal(again._meta.updatedBy, 'ada');
      const rerunDone = await settled(created.id, 'succeeded');
      assert.deepEqual(rerunDone._job.result, { pages: 5, attempt: 1 });

      const failing = await create({ kind: 'fail' });
      const failed = await settled(failing.id, 'failed');
      assert.deepEqual([failed._job.attempts, failed._job.error], [2, 'broken on attempt 2']);
      assert.equal(expectData(await rerun(failing.id)).rerunRender._job.status, 'queued');
      expectError(await rerun('nope'), 'NOT_FOUND');
    });

    it('cancels a running job (its signal is aborted) with one manager call; again changes nothing; a finished job is a CONFLICT', async () => {
      const created = await create({ kind: 'wait' });
      await settled(created.id, 'running');
      calls.length = 0;
      const cancelled = expectData(await cancel(created.id)).cancelRender;
      assert.deepEqual(callsOf(created.id), [`cancel:${created.id}`], 'one manager call');
      assert.equal(cancelled._job.status, 'cancelled');
      assert.ok(cancelled._job.finishedAt);
      await waitFor(() => aborts.get(created.id), 'the handler to see its signal aborted');
      assert.equal(aborts.get(created.id), 'AbortError: the job was cancelled');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await read(created.id);
      assert.equal(after._job.status, 'cancelled', 'the aborted attempt does not overwrite the cancel');
      assert.equal(expectData(await cancel(created.id)).cancelRender._meta.revision, after._meta.revision);
      expectError(await cancel(created.id, after._meta.revision + 1), 'PRECONDITION_FAILED');

      const queued = await create({ kind: 'ok', pages: 6 }, new Date(Date.now() + 60_000).toISOString());
      assert.equal(expectData(await cancel(queued.id, 1)).cancelRender._job.status, 'cancelled');
      // A cancelled job can be rerun: due at once this time.
      assert.equal(expectData(await rerun(queued.id)).rerunRender._job.status, 'queued');
      assert.deepEqual((await settled(queued.id, 'succeeded'))._job.result, { pages: 6, attempt: 1 });

      const done = await create({ kind: 'ok', pages: 2 });
      await settled(done.id, 'succeeded');
      assert.match(expectError(await cancel(done.id), 'CONFLICT').message, /has succeeded already/);
      expectError(await cancel('nope'), 'NOT_FOUND');
    });

    it('serves the stored log lines page by page, reading the job through the manager first', async () => {
      const created = await create({ kind: 'ok', pages: 3 });
      await settled(created.id, 'succeeded');
      expectData(await rerun(created.id));
      await settled(created.id, 'succeeded');
      calls.length = 0;
      const first = expectData(await logs(created.id, 4)).renderLogs;
      assert.deepEqual(callsOf(created.id), [`get:${created.id}`], 'the job is read through the manager');
      assert.deepEqual(first.items.map((line: { message: string }) => line.message), ['rendering 3', 'half way', 'done', 'rendering 3']);
      assert.deepEqual(first.items.map((line: { level: string }) => line.level), ['info', 'warn', 'info', 'info']);
      assert.ok(first.items.every((line: { at: string }) => !Number.isNaN(Date.parse(line.at))));
      const second = expectData(await logs(created.id, 4, first.nextCursor)).renderLogs;
      assert.deepEqual(second.items.map((line: { message: string }) => line.message), ['half way', 'done']);
      assert.deepEqual(second.items.map((line: { attempt: number }) => line.attempt), [1, 1], 'a rerun starts its attempts again');
      assert.equal(second.nextCursor, null);
      const rest = await app.request('GET', `/renders/${created.id}/logs?limit=4`);
      assert.deepEqual(rest.body, first, 'the page REST serves');
      assert.equal(expectData(await logs(created.id)).renderLogs.items.length, 6);
      expectError(await logs('nope'), 'NOT_FOUND');
      expectError(await logs(created.id, 4, 'not-a-cursor'), 'BAD_QUERY');
      expectError(await logs(created.id, 0), 'BAD_REQUEST');
      expectError(await logs(created.id, 1001), 'BAD_QUERY');
      expectData(await send('mutation($id: ID!) { deleteRender(id: $id) }', { id: created.id }));
      expectError(await logs(created.id), 'GONE');
    });

    it('refuses a runAt that is not a date-time with the REST code, and _job in an input', async () => {
      const bad = expectError(await send('mutation { createRender(input: { kind: ok }, runAt: "tomorrow") { id } }'), 'BAD_REQUEST');
      assert.match(bad.message, /runAt must be an ISO-8601 date-time/);
      assert.deepEqual(bad.path, ['createRender']);
      expectError(await send('mutation { createRender(input: { kind: ok, _job: { status: queued } }) { id } }'), 'BAD_REQUEST', 400);
      const created = await create({ kind: 'ok', pages: 4 });
      const done = await settled(created.id, 'succeeded');
      const patched = expectData(await send(`mutation($id: ID!) { patchRender(id: $id, patch: { pages: 8 }) { ${RENDER} } }`, { id: created.id })).patchRender;
      assert.equal(patched.pages, 8);
      assert.deepEqual(patched._job, done._job, 'a client write keeps the job state');
    });
  });
}

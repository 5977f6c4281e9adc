import 'reflect-metadata';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IsOptional, IsString } from 'class-validator';
import { bootstrap, defaultPlugins, Job, jobsPlugin, Resource, type Strata } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { waitFor } from '../support/jobs.js';

let ticks = 0;

/** Created by its own `every` schedule, once per second. */
@Resource()
@Job({ handler: () => ++ticks, every: '1 second' })
class Heartbeat {
  @IsOptional() @IsString() note?: string;
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`every: ${backend.name}`, () => {
    const apps: Strata[] = [];
    let dispose: (() => Promise<void>) | undefined;
    after(async () => {
      for (const app of apps) await app.close();
      await dispose?.();
    });

    it('repeats, one job resource per run, without duplicates across two workers', async () => {
      const database = await backend.create();
      dispose = database.dispose;
      for (let worker = 0; worker < 2; worker++) {
        apps.push(await bootstrap(null, { resources: [Heartbeat], database: database.url, plugins: [jobsPlugin({ processEvery: 100 })], logLevel: 'warn' }));
      }
      const started = Date.now();
      const beats = apps[0].manager(Heartbeat);
      await waitFor(async () => (await beats.count()) >= 3 || undefined, 'three scheduled runs', 10_000, 100);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const elapsed = Date.now() - started;
      const { items } = await beats.list({ sort: '_meta.createdAt', limit: 100 });
      assert.ok(items.length <= Math.ceil(elapsed / 1000) + 1, `${items.length} runs in ${elapsed} ms`);
      const times = items.map((item) => Date.parse(item._meta.createdAt));
      for (let index = 1; index < times.length; index++) {
        assert.ok(times[index] - times[index - 1] >= 500, `runs ${index - 1} and ${index} were ${times[index] - times[index - 1]} ms apart: a duplicate`);
      }
      await waitFor(async () => (await beats.count({ where: { '_job.status': 'succeeded' } })) >= 3 || undefined, 'the runs to succeed');
    });
  });
}

describe('jobs plugin lifecycle', () => {
  it('is a default plugin when a resource is a @Job, with or without an app', () => {
    assert.deepEqual(defaultPlugins(null, [Heartbeat]).map((plugin) => plugin.name), ['jobs']);
    assert.deepEqual(defaultPlugins({}, [Heartbeat]).map((plugin) => plugin.name), ['rest', 'graphql', 'openapi', 'health', 'idempotency', 'jobs']);
    assert.deepEqual(defaultPlugins(null, []).map((plugin) => plugin.name), []);
  });

  it('refuses @Job without the jobs plugin', async () => {
    await assert.rejects(bootstrap(null, { resources: [Heartbeat], database: 'sqlite::memory:', plugins: [], defaultPlugins: false }),
      /Heartbeat: @Job needs a plugin that runs it, and none does; add jobsPlugin\(\) to plugins/);
  });

  it('leaves no timer keeping the process alive after close', async () => {
    // A child process runs a job with a long lock lifetime, closes, and must then exit on its own.
    const script = `
      import { bootstrap, Job, Resource } from ${JSON.stringify(new URL('../../index.js', import.meta.url).href)};
      class Noop {}
      Job({ handler: async (job, ctx) => { await ctx.log('ran'); return 1; } })(Noop);
      Resource()(Noop);
      const strata = await bootstrap(null, { resources: [Noop], database: 'sqlite::memory:', logLevel: 'warn' });
      const job = await strata.manager(Noop).create({});
      while ((await strata.manager(Noop).get(job.id))._job.status !== 'succeeded') await new Promise((r) => setTimeout(r, 20));
      await strata.close();
      console.log('closed ' + Date.now());
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const exitedAt = Date.now();
    assert.equal(code, 0, output);
    const closedAt = Number(/closed (\d+)/.exec(output)?.[1]);
    assert.ok(exitedAt - closedAt < 2000, `the process exited ${exitedAt - closedAt} ms after close (the lock lifetime is 60 s): ${output}`);
  });
});

import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsInt } from 'class-validator';
import { bootstrap, Job, jobsPlugin, Resource, type JobState, type Strata } from '../../index.js';
import { percentile, report, throughput } from '../support/measure.js';

/**
 * Jobs benchmark on a SQLite file (the embedded default), worker in the same process:
 * - end to end: no-op jobs per second from create to `succeeded` (a batch created at once);
 * - pickup latency: from the create's commit to the handler starting, one job at a time (p50, p95);
 * - the same with jobs created 100 at a time (`POST /_bulk`), so creating costs less of the time;
 * - baseline in the same run: creates per second of the same resource without @Job, so the cost
 *   of queueing and running (two more revisions per job) shows as a ratio.
 * `BENCH_JOBS` sets the batch size (default 2000).
 */
const started = new Map<string, number>();

@Resource()
@Job({ handler: (job) => { started.set(job.id, performance.now()); return null; }, concurrency: 20 })
class Noop {
  @IsInt() n!: number;
}

@Resource()
class Plain {
  @IsInt() n!: number;
}

const COUNT = Number(process.env.BENCH_JOBS ?? 2000);
const file = join(tmpdir(), `strata-bench-jobs-${process.pid}.sqlite`);

/** Polls `check` every `every` ms (sparingly: SQLite has one connection, which the worker needs too). */
async function until(check: () => Promise<boolean>, every = 25): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, every));
}

async function main(): Promise<void> {
  let strata: Strata | undefined;
  try {
    strata = await bootstrap(null, { resources: [Noop, Plain], database: `sqlite:${file}`, plugins: [jobsPlugin()], logLevel: 'warn' });
    const jobs = strata.manager(Noop);
    const plain = strata.manager(Plain);
    console.log(`Strata jobs benchmark — SQLite file, worker in process, ${COUNT} no-op jobs`);

    const baseline = await throughput(COUNT, (n) => plain.create({ n }));
    report('baseline: creates/s of a resource without @Job', baseline, '/s');

    const begin = performance.now();
    for (let n = 0; n < COUNT; n++) await jobs.create({ n });
    await until(async () => (await jobs.count({ where: { '_job.status': 'succeeded' } })) === COUNT);
    const perSecond = COUNT / ((performance.now() - begin) / 1000);
    report('end to end: no-op jobs/s (create → succeeded)', perSecond, '/s', { limit: 300, atMost: false });
    report('ratio: job end to end / plain create', perSecond / baseline, 'x');

    const bulkBegin = performance.now();
    for (let batch = 0; batch < COUNT / 100; batch++) await jobs.createMany(Array.from({ length: 100 }, (_, n) => ({ n })));
    await until(async () => (await jobs.count({ where: { '_job.status': 'succeeded' } })) === 2 * COUNT);
    report('end to end, created 100 at a time (_bulk): jobs/s', COUNT / ((performance.now() - bulkBegin) / 1000), '/s', { limit: 300, atMost: false });

    const pickups: number[] = [];
    for (let n = 0; n < 200; n++) {
      const created = performance.now();
      const job = await jobs.create({ n });
      await until(async () => started.has(job.id), 1);
      pickups.push(started.get(job.id)! - created);
      await until(async () => ((await jobs.get(job.id))._job as JobState).status === 'succeeded');
    }
    pickups.sort((a, b) => a - b);
    report('pickup latency p50 (create → handler starts)', percentile(pickups, 0.5), 'ms', { limit: 50 });
    report('pickup latency p95', percentile(pickups, 0.95), 'ms');
  } finally {
    await strata?.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}

await main();

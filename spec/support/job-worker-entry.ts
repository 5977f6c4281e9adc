/**
 * The app entry the process tests start with `strata worker` (compiled to
 * dist/spec/support/job-worker-entry.js): a `Ping` job whose runs are logged with the worker's
 * pid. The database comes from STRATA_DATABASE_URL; JOB_LOCK_LIFETIME and JOB_PROCESS_EVERY tune
 * the worker for short tests.
 */
import 'reflect-metadata';
import { IsBoolean, IsInt, IsOptional } from 'class-validator';
import { Indexed, Job, jobsPlugin, Resource, type BootstrapOptions, type JobHandler } from '../../index.js';

/** Logs which process ran it; with `hangOnFirstAttempt` its first attempt waits until aborted (or killed). */
const ping: JobHandler<Ping> = async (job, ctx) => {
  await ctx.log(`attempt ${ctx.attempt} ran in ${process.pid}`);
  if (job.hangOnFirstAttempt && ctx.attempt === 1) {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    throw ctx.signal.reason;
  }
  return { pid: process.pid, n: job.n };
};

/** A no-op job numbered `n`. */
@Resource()
@Job({ handler: ping, concurrency: 4, maxAttempts: 3, backoff: { type: 'fixed', delay: 50 } })
export class Ping {
  @Indexed() @IsInt() n!: number;
  @IsOptional() @IsBoolean() hangOnFirstAttempt?: boolean;
}

/** The jobs plugin as the worker processes run it. */
export function workerJobsPlugin() {
  return jobsPlugin({
    lockLifetime: Number(process.env.JOB_LOCK_LIFETIME ?? 60_000),
    processEvery: Number(process.env.JOB_PROCESS_EVERY ?? 200),
    checkInterval: 200,
  });
}

export default { resources: [Ping], plugins: [workerJobsPlugin()], logLevel: 'warn' } satisfies BootstrapOptions;

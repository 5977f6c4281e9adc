import { hostname } from 'node:os';
import { Agenda, type Job as AgendaJob } from 'agenda';
import type { ResourceModel } from '../../lib/plugin-api.js';
import { StrataAgendaBackend } from './backend.js';
import { jobProcessor } from './runner.js';
import { scheduleName, type JobsRuntime } from './runtime.js';

/** Finished queue entries are deleted once they are this old (milliseconds); the sweep runs as often. */
const SWEEP_AFTER = 60_000;

/**
 * A worker: one Agenda instance on the app's database running the handlers of every `@Job`
 * resource, and creating their `every` runs. Several workers (processes) may share one database.
 */
export class JobWorker {
  private agenda?: Agenda;
  /** Jobs claimed and started here, until Agenda has saved them after their processor returned. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly settled = new Map<string, () => void>();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly runtime: JobsRuntime, private readonly models: readonly ResourceModel[]) {}

  /** Defines the jobs, registers the schedules and starts processing. */
  async start(): Promise<void> {
    const { runtime } = this;
    const { options } = runtime;
    runtime.timers.start();
    const backend = new StrataAgendaBackend(`Strata ${runtime.context.dialect.name}`, runtime.repository, runtime.channel);
    const scheduled = this.models.filter((model) => model.job!.every !== undefined);
    const agenda = new Agenda({
      backend,
      name: `${hostname()}:${process.pid}`,
      processEvery: options.processEvery,
      defaultLockLifetime: options.lockLifetime,
      maxConcurrency: this.models.reduce((sum, model) => sum + model.job!.concurrency, 0) + scheduled.length,
    });
    agenda.on('error', (error: Error) => runtime.logger.warn('jobs: worker error', { error: error.message }));
    for (const model of this.models) {
      const process = jobProcessor(runtime, model);
      // lockLimit = concurrency: a worker claims only what it can start, so several workers share the queue.
      agenda.define(model.name, (job: AgendaJob) => this.track(job, () => process(job)), {
        concurrency: model.job!.concurrency, lockLimit: model.job!.concurrency, lockLifetime: options.lockLifetime,
      });
    }
    for (const model of scheduled) {
      const manager = runtime.context.manager(model.target as never);
      agenda.define(scheduleName(model), (job: AgendaJob) => this.track(job, async () => {
        await manager.create({});
      }), { concurrency: 1, lockLimit: 1, lockLifetime: options.lockLifetime });
    }
    agenda.on('complete', (job: AgendaJob) => {
      const key = String(job.attrs._id);
      this.settled.get(key)?.();
      // A slot is free: look for more work at once instead of at the next poll.
      setImmediate(() => runtime.channel.wake({ jobId: job.attrs._id!, jobName: job.attrs.name, nextRunAt: new Date(), priority: 0, timestamp: new Date() }));
    });
    this.agenda = agenda;
    await runtime.timers.run(async () => {
      await agenda.ready;
      const unscheduled = this.models.filter((model) => model.job!.every === undefined).map(scheduleName);
      if (unscheduled.length > 0) await runtime.repository.removeJobs({ names: unscheduled });
      for (const model of scheduled) await agenda.every(model.job!.every!, scheduleName(model), {}, { skipImmediate: true });
      await agenda.start();
      const sweep = () => runtime.repository.sweep(Date.now() - SWEEP_AFTER).catch((error: Error) => runtime.logger.warn('jobs: sweeping finished entries failed', { error: error.message }));
      await sweep();
      this.sweeper = setInterval(sweep, SWEEP_AFTER);
    });
  }

  /**
   * Stops claiming, waits up to `shutdownTimeout` for running attempts, then aborts the rest (they
   * are queued again) and waits briefly for them to record that. Afterwards no timer of the worker
   * keeps the process alive.
   */
  async stop(): Promise<void> {
    const agenda = this.agenda;
    if (!agenda) return;
    this.agenda = undefined;
    clearInterval(this.sweeper);
    try {
      await agenda.stop(false);
      const waitFor = (milliseconds: number) => Promise.race([
        Promise.allSettled([...this.inFlight.values()]),
        new Promise<void>((resolve) => setTimeout(resolve, milliseconds).unref()),
      ]);
      await waitFor(this.runtime.options.shutdownTimeout);
      if (this.inFlight.size > 0) {
        for (const key of this.runtime.running.keys()) this.runtime.abort(key, 'shutdown');
        await waitFor(Math.min(this.runtime.options.shutdownTimeout, 5000));
      }
    } finally {
      this.runtime.timers.release();
    }
  }

  private async track(job: AgendaJob, work: () => Promise<void>): Promise<void> {
    const key = String(job.attrs._id);
    this.inFlight.set(key, new Promise<void>((resolve) => this.settled.set(key, () => {
      this.inFlight.delete(key);
      this.settled.delete(key);
      resolve();
    })));
    await work();
  }
}

import { definePlugin, type PluginContext, type StrataPlugin } from '../../lib/plugin-api.js';
import { isJobModel, jobOperations } from './operations.js';
import { resolveJobsOptions, type JobsOptions } from './options.js';
import { registerQueueHooks } from './queue.js';
import { JobsRuntime } from './runtime.js';
import { jobEntitySchemas } from './schema.js';
import { JobWorker } from './worker.js';

export type { JobsOptions } from './options.js';
export { JobLogStore, type JobLogLine } from './logs.js';
export { SqlJobRepository, type QueueEntry } from './repository.js';
export { StrataAgendaBackend } from './backend.js';
export { StrataNotificationChannel } from './notifications.js';
export { JOBS_TABLE, JOB_LOGS_TABLE } from './schema.js';

/** What the jobs plugin provides as service `jobs` (`strata.service<JobsService>('jobs')`). */
export interface JobsService {
  /** Starts this process's worker if it is not running (what `strata worker` does, whatever the `worker` option says). */
  startWorker(): Promise<void>;
  /** True while this process runs a worker. */
  readonly workerRunning: boolean;
  /** True when this process should run a worker (the `worker` option, or `startWorker()` was called) and there are `@Job` resources; `/_ready` is 503 while it does not run. */
  readonly workerWanted: boolean;
}

/**
 * The jobs plugin: runs `@Job` resources on Agenda over the app's own database (docs/jobs.md).
 * It keeps a queue table, queues each job in the transaction that creates it, adds the `rerun`,
 * `cancel` and `logs` operations to the table (so every transport serves them), and runs a worker
 * in this process unless `worker: false` (then `strata worker <entry>` processes run the jobs).
 * @example await bootstrap(app, { resources: [SendEmail], plugins: [restPlugin(), jobsPlugin({ lockLifetime: 30_000 })] });
 */
export function jobsPlugin(options: JobsOptions = {}): StrataPlugin {
  const { resolved, problems } = resolveJobsOptions(options);
  const apps = new WeakMap<PluginContext, { runtime: JobsRuntime; worker?: JobWorker; starting?: Promise<void>; wanted?: boolean }>();
  const jobModels = (context: PluginContext) => context.models.filter((model) => model.job);
  // One worker per app: a second call while the first is starting waits for the same start.
  const startWorker = (context: PluginContext): Promise<void> => {
    const app = apps.get(context)!;
    const models = jobModels(context);
    if (models.length === 0) return Promise.resolve();
    app.wanted = true;
    app.starting ??= (async () => {
      const worker = new JobWorker(app.runtime, models);
      try {
        await worker.start();
      } catch (error) {
        app.starting = undefined;
        await worker.stop().catch(() => undefined);
        throw error;
      }
      app.worker = worker;
    })();
    return app.starting;
  };
  return definePlugin({
    name: 'jobs',
    consumes: ['job'],
    provides: ['jobs'],
    configure(context) {
      for (const schema of jobEntitySchemas(context.dialect)) context.addEntitySchema(schema);
      const runtime = new JobsRuntime(context, resolved);
      apps.set(context, { runtime });
      registerQueueHooks(context, runtime, jobModels(context));
      for (const operation of jobOperations(runtime)) context.operations.add(operation, { resources: isJobModel });
      const service: JobsService = {
        startWorker: () => startWorker(context),
        get workerRunning() { return apps.get(context)?.worker !== undefined; },
        get workerWanted() { return apps.get(context)?.wanted === true; },
      };
      context.provide('jobs', service);
    },
    validate() {
      return problems;
    },
    async start(context) {
      if (resolved.worker) await startWorker(context);
    },
    async stop(context) {
      await apps.get(context)?.worker?.stop();
    },
  });
}

import { definePlugin, type PluginContext, type StrataPlugin } from '../../lib/index.js';
import { addResourceRoutes } from '../rest/index.js';
import { resolveJobsOptions, type JobsOptions } from './options.js';
import { registerQueueHooks } from './queue.js';
import { jobRoutes } from './routes.js';
import { JobsRuntime } from './runtime.js';
import { jobEntitySchemas } from './schema.js';
import { JobWorker } from './worker.js';

export type { JobsOptions } from './options.js';
export { JobLogStore, type JobLogLine } from './logs.js';
export { SqlJobRepository, type QueueEntry } from './repository.js';
export { StrataAgendaBackend } from './backend.js';
export { StrataNotificationChannel } from './notifications.js';
export { JOBS_TABLE, JOB_LOGS_TABLE } from './schema.js';

/**
 * The jobs plugin: runs `@Job` resources on Agenda over the app's own database (docs/jobs.md).
 * It keeps a queue table, queues each job in the transaction that creates it, adds the `rerun`,
 * `cancel` and `logs` routes (with the REST plugin), and runs a worker in this process unless
 * `worker: false` (then `strata worker <entry>` processes run the jobs).
 * @example await bootstrap(app, { resources: [SendEmail], plugins: [restPlugin(), jobsPlugin({ lockLifetime: 30_000 })] });
 */
export function jobsPlugin(options: JobsOptions = {}): StrataPlugin {
  const { resolved, problems } = resolveJobsOptions(options);
  const apps = new WeakMap<PluginContext, { runtime: JobsRuntime; worker?: JobWorker }>();
  const jobModels = (context: PluginContext) => context.models.filter((model) => model.job);
  return definePlugin({
    name: 'jobs',
    consumes: ['job'],
    configure(context) {
      for (const schema of jobEntitySchemas(context.dialect)) context.addEntitySchema(schema);
      const runtime = new JobsRuntime(context, resolved);
      apps.set(context, { runtime });
      const models = jobModels(context);
      registerQueueHooks(context, runtime, models);
      for (const model of models) addResourceRoutes(model, jobRoutes(model, runtime));
    },
    validate() {
      return problems;
    },
    async start(context) {
      const app = apps.get(context)!;
      const models = jobModels(context);
      if (!resolved.worker || models.length === 0) return;
      const worker = new JobWorker(app.runtime, models);
      try {
        await worker.start();
      } catch (error) {
        await worker.stop().catch(() => undefined);
        throw error;
      }
      app.worker = worker;
    },
    async stop(context) {
      await apps.get(context)?.worker?.stop();
    },
  });
}

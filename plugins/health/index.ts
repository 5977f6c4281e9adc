import type { Express, Request, Response } from 'express';
import { definePlugin, sendJson, sendProblem, StrataError, type Logger, type PluginContext, type StrataPlugin } from '../../lib/plugin-api.js';
import { healthRouteDescriptions } from './description.js';

/** Options of the health plugin. */
export interface HealthOptions {
  /** Milliseconds `/_ready` waits for the database before it answers 503 (default 5000). */
  timeoutMs?: number;
}

/** What `/_ready` reads of the jobs plugin's service `jobs` (plugins meet through services). */
interface JobsWorkerStatus {
  /** True when this process should run a worker (`worker` option, or `startWorker()` was called) and there are jobs. */
  readonly workerWanted?: boolean;
  readonly workerRunning: boolean;
}

type Checks = { database: string; schema: string; workers: string; shutdown: string };

/**
 * The probes an orchestrator polls (docs/operations.md): `GET /_health` (liveness: the process
 * answers) and `GET /_ready` (readiness: the database answers, the resources' tables and columns
 * exist, the job worker runs where one should, no shutdown began; else 503 with the reason).
 * A default plugin whenever bootstrap has an app.
 * @example await bootstrap(app, { resources: [Article], plugins: [healthPlugin({ timeoutMs: 2000 })] });
 */
export function healthPlugin(options: HealthOptions = {}): StrataPlugin {
  const timeoutMs = options.timeoutMs ?? 5000;
  return definePlugin({
    name: 'health',
    requires: ['http'],
    configure(context) {
      for (const route of healthRouteDescriptions()) context.describeRoute(route);
    },
    validate() {
      return Number.isInteger(timeoutMs) && timeoutMs > 0 ? [] : [`option timeoutMs must be whole milliseconds above 0, got ${String(options.timeoutMs)}`];
    },
    mount(context) {
      const app = context.app as Express;
      app.get('/_health', (_request: Request, response: Response) => {
        sendJson(response, 200, { status: 'ok' }, { 'Cache-Control': 'no-store' });
      });
      app.get('/_ready', (request: Request, response: Response, next: (error?: unknown) => void) => {
        readiness(context, timeoutMs).then((checks) => {
          const failed = Object.entries(checks).filter(([name, value]) => value !== 'ok' && !(name === 'workers' && value === 'none'));
          response.setHeader('Cache-Control', 'no-store');
          if (failed.length === 0) {
            sendJson(response, 200, { status: 'ready', checks });
            return;
          }
          const reason = failed.map(([name, value]) => `${name}: ${value}`).join('; ');
          const errors = failed.map(([name, value]) => ({ path: name, message: value }));
          sendProblem(request, response, new StrataError('UNAVAILABLE', `Not ready: ${reason}`, errors), context.logger);
        }, next);
      });
    },
  });
}

/** Runs every check; none throws, each says `ok` or what is wrong. */
async function readiness(context: PluginContext, timeoutMs: number): Promise<Checks> {
  const shutdown = context.shuttingDown ? 'shutting down' : 'ok';
  const database = await withTimeout(context.database.all('SELECT 1 AS ok').then(() => 'ok'), timeoutMs, 'the database did not answer', context.logger);
  const schema = database === 'ok' ? await withTimeout(schemaCheck(context), timeoutMs, 'the schema check did not finish', context.logger) : 'not checked: the database does not answer';
  return { database, schema, workers: workersCheck(context), shutdown };
}

/** Every resource table exists with the columns this process writes (one empty read per resource). */
async function schemaCheck(context: PluginContext): Promise<string> {
  for (const model of context.models) {
    const columns = ['id', '_data', '_schema_version', ...model.indexedFields.map((field) => field.column!)];
    try {
      await context.database.all(`SELECT ${columns.map((column) => `"${column}"`).join(', ')} FROM "${model.names.table}" WHERE 1 = 0`);
    } catch {
      return `table ${model.names.table} or one of its columns (${columns.join(', ')}) is missing; restart to create it, or deploy the version that matches this database`;
    }
  }
  return 'ok';
}

function workersCheck(context: PluginContext): string {
  if (!context.has('jobs')) return 'none';
  const jobs = context.require<JobsWorkerStatus>('jobs');
  if (jobs.workerRunning) return 'ok';
  return jobs.workerWanted ? 'the job worker of this process is not running' : 'none';
}

/** `work`'s answer, or `late` after `timeoutMs`; a failure is logged and answered without the driver's words (they may name hosts and users). */
async function withTimeout(work: Promise<string>, timeoutMs: number, late: string, logger: Logger): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`${late} within ${timeoutMs} ms`), timeoutMs); });
  try {
    return await Promise.race([work.catch((error: unknown) => {
      logger.warn('readiness: the database check failed', { error: String(error) });
      return 'the database query failed (the server log has the error)';
    }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

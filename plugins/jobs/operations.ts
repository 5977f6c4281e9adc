import {
  draftOption, idOf, RESOURCE_OPERATIONS, jsonResult, NEXT_CURSOR, pageParameters, resourceResult, schemaRef, StrataError, withArticle, writeOptionsOf,
  type OperationDefinition, type ResourceModel, type SchemaObject,
} from '../../lib/plugin-api.js';
import type { JobsRuntime } from './runtime.js';

const DATE_TIME: SchemaObject = { type: 'string', format: 'date-time' };
/** The built-in create, which a job's create extends with `?runAt=`. */
const BUILT_IN_CREATE = RESOURCE_OPERATIONS.find((operation) => operation.name === 'create')!;

/**
 * The operations of job resources (docs/jobs.md), added to the table for `@Job` resources only:
 * create with `?runAt=` (replacing the built-in create), `rerun`, `cancel` and `logs`. Each is
 * one manager call; `logs` reads the job through the manager first, so read hooks and
 * permissions apply to its logs too.
 */
export function jobOperations(runtime: JobsRuntime): OperationDefinition[] {
  return [
    {
      ...BUILT_IN_CREATE,
      summary: (model) => `Create ${withArticle(model.name)} job and queue it (?runAt= schedules it)`,
      parameters: (model, limits) => [
        ...(BUILT_IN_CREATE.parameters?.(model, limits) ?? []),
        { name: 'runAt', in: 'query', kind: 'dateTime', schema: DATE_TIME, description: 'Run the job at this time instead of now (ISO-8601).' },
      ],
      invoke: ({ manager, body, user, parameters }) => manager.create(body as object, {
        user, ...draftOption(parameters), ...(parameters.runAt === undefined ? {} : { runAt: parameters.runAt as string }),
      }),
    },
    {
      name: 'rerun', action: 'rerun', mutates: true, method: 'post', path: '/:id/rerun',
      summary: (model) => `Queue a finished ${model.name} job again (new revision)`,
      description: (model) => `Queues a succeeded, failed or cancelled ${model.name} job again from scratch (attempts 0, result and error cleared, a new revision); CONFLICT while it is queued or running.`,
      conditional: 'If-Match',
      result: resourceResult('The job queued again from scratch (a new revision).'),
      problems: [400, 404, 409, 410, 412],
      invoke: (call) => call.manager.jobs!.rerun(idOf(call), writeOptionsOf(call)),
    },
    {
      name: 'cancel', action: 'cancel', mutates: true, method: 'post', path: '/:id/cancel',
      summary: (model) => `Cancel a queued or running ${model.name} job (aborts its signal)`,
      description: (model) => `Cancels a queued or running ${model.name} job (a running one's ctx.signal is aborted); cancelling a cancelled job changes nothing, a succeeded or failed one is a CONFLICT.`,
      conditional: 'If-Match',
      result: resourceResult('The cancelled job; a running attempt\'s signal is aborted.'),
      problems: [400, 404, 409, 410, 412],
      invoke: (call) => call.manager.jobs!.cancel(idOf(call), writeOptionsOf(call)),
    },
    {
      name: 'logs', action: 'read', mutates: false, method: 'get', path: '/:id/logs',
      summary: (model) => `Read the log lines of ${withArticle(model.name)} job, oldest first`,
      description: (model) => `The log lines of ${withArticle(model.name)} job (ctx.log), oldest first (REST GET /${model.names.path}/:id/logs).`,
      operationId: (one) => `list${one}Logs`,
      parameters: (_model, limits) => pageParameters(limits),
      result: () => jsonResult('Log lines, oldest first.', schemaRef('JobLogPage')),
      components: () => ({ JobLogPage: JOB_LOG_PAGE }),
      problems: [400, 404, 410],
      invoke: async (call) => {
        const { defaultLimit, maxLimit } = call.limits;
        const limit = (call.parameters.limit as number | undefined) ?? defaultLimit;
        if (limit > maxLimit) throw StrataError.badQuery(`limit must be at most ${maxLimit}`);
        const job = await call.manager.get(idOf(call), { user: call.user });
        return runtime.logs.page(call.model.name, job.id, limit, call.parameters.cursor as string | undefined);
      },
    },
  ];
}

/** The resources the job operations are for. */
export const isJobModel = (model: ResourceModel): boolean => model.job !== undefined;

const JOB_LOG_PAGE: SchemaObject = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: DATE_TIME,
          attempt: { type: 'integer', minimum: 1 },
          level: { type: 'string', enum: ['info', 'warn', 'error'] },
          message: { type: 'string' },
        },
        required: ['at', 'attempt', 'level', 'message'],
      },
    },
    nextCursor: NEXT_CURSOR,
  },
  required: ['items', 'nextCursor'],
};

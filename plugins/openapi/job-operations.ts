import { JOB_STATUSES, type ResourceModel } from '../../lib/index.js';
import { RESPONSE_HEADERS } from './components.js';
import { withNull } from './openapi31.js';
import type { OperationInput, RouteDescription } from './operations.js';
import { limitSchema } from './query-schemas.js';
import { NEXT_CURSOR } from './shared-schemas.js';
import { schemaRef, type ParameterObject, type ResponseObject, type SchemaObject } from './types.js';

const DATE_TIME: SchemaObject = { type: 'string', format: 'date-time' };

/** How the jobs plugin's routes behave (DESIGN.md section 6), by route name. */
export const JOB_ROUTE_DESCRIPTIONS: Record<string, RouteDescription> = {
  rerun: {
    operationId: (one) => `rerun${one}`,
    conditional: 'If-Match',
    success: ({ names }) => ({ 200: resourceJson('The job queued again from scratch (a new revision).', names.resource) }),
    problems: [400, 404, 409, 410, 412, 500],
  },
  cancel: {
    operationId: (one) => `cancel${one}`,
    conditional: 'If-Match',
    success: ({ names }) => ({ 200: resourceJson('The cancelled job; a running attempt\'s signal is aborted.', names.resource) }),
    problems: [400, 404, 409, 410, 412, 500],
  },
  logs: {
    operationId: (one) => `list${one}Logs`,
    query: ({ limits }) => [
      { name: 'limit', in: 'query', schema: limitSchema(limits, 1) },
      { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page.' },
    ],
    success: () => ({ 200: { description: 'Log lines, oldest first.', headers: { 'X-Request-Id': RESPONSE_HEADERS.requestId }, content: { 'application/json': { schema: schemaRef('JobLogPage') } } } }),
    problems: [400, 404, 410, 500],
  },
};

/** The `runAt` parameter of creating a job resource. */
export function runAtParameter({ model }: OperationInput): ParameterObject[] {
  if (!model.job) return [];
  return [{ name: 'runAt', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'Run the job at this time instead of now (ISO-8601).' }];
}

/** `_job` in a job resource's schema. */
export function jobStateProperty(model: ResourceModel): Record<string, SchemaObject> {
  return model.job ? { _job: schemaRef('JobState') } : {};
}

/** The component schemas of job resources: `JobState` and `JobLogPage`. */
export function jobSchemas(model: ResourceModel): Record<string, SchemaObject> {
  if (!model.job) return {};
  return {
    JobState: {
      type: 'object',
      description: 'Where a job stands (`_job`); every status change is a revision, progress changes in place.',
      properties: {
        status: { type: 'string', enum: [...JOB_STATUSES] },
        attempts: { type: 'integer', minimum: 0, description: 'Attempts started so far.' },
        maxAttempts: { type: 'integer', minimum: 1 },
        runAt: { ...DATE_TIME, description: 'When the job is or was due.' },
        startedAt: withNull(DATE_TIME),
        finishedAt: withNull(DATE_TIME),
        progress: withNull({ type: 'number', minimum: 0, maximum: 100 }),
        result: { description: 'What the handler returned (JSON).' },
        error: withNull({ type: 'string', description: 'The message of the last failure.' }),
      },
      required: ['status', 'attempts', 'maxAttempts', 'runAt', 'startedAt', 'finishedAt', 'progress', 'result', 'error'],
    },
    JobLogPage: {
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
    },
  };
}

function resourceJson(description: string, resource: string): ResponseObject {
  return {
    description,
    headers: { ETag: RESPONSE_HEADERS.etag, 'X-Request-Id': RESPONSE_HEADERS.requestId },
    content: { 'application/json': { schema: schemaRef(resource) } },
  };
}

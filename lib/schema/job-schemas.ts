import type { ResourceModel } from '../metadata/model.js';
import { JOB_STATUSES } from '../metadata/job-model.js';
import { withNull } from './json-schema.js';
import { schemaRef, type SchemaObject } from './types.js';

const DATE_TIME: SchemaObject = { type: 'string', format: 'date-time' };

/** `_job` in a job resource's schema. */
export function jobStateProperty(model: ResourceModel): Record<string, SchemaObject> {
  return model.job ? { _job: schemaRef('JobState') } : {};
}

/** The component schema of job resources' state: `JobState` (docs/jobs.md). */
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
  };
}

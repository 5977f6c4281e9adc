import { JOB_STATUSES } from '../metadata/job-model.js';
import type { ResourceModel } from '../metadata/model.js';
import { JOB_COLUMNS } from '../storage/job-columns.js';
import type { QueryableField } from './fields.js';

/** The `_job.*` fields a `@Job` resource can be filtered and sorted by. */
export const JOB_QUERY_FIELDS: readonly QueryableField[] = Object.freeze([
  { name: '_job.status', column: JOB_COLUMNS.status, kind: 'enum', values: JOB_STATUSES },
  { name: '_job.attempts', column: JOB_COLUMNS.attempts, kind: 'integer' },
  { name: '_job.runAt', column: JOB_COLUMNS.runAt, kind: 'date' },
  { name: '_job.startedAt', column: JOB_COLUMNS.startedAt, kind: 'date' },
  { name: '_job.finishedAt', column: JOB_COLUMNS.finishedAt, kind: 'date' },
  { name: '_job.progress', column: JOB_COLUMNS.progress, kind: 'number' },
]);

/**
 * The extra allow-listed fields of `model` for `queryableFields`/`parseQuery`: `JOB_QUERY_FIELDS`
 * for a job, none otherwise. Always the same array, as `queryableFields` caches by identity.
 * @example parseQuery(model, query, limits, jobQueryFields(model))
 */
export function jobQueryFields(model: ResourceModel): readonly QueryableField[] | undefined {
  return model.job ? JOB_QUERY_FIELDS : undefined;
}

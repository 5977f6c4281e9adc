import type { Dialect } from './dialect.js';

/**
 * Columns a `@Job` resource's current-state table has besides the usual ones: `_job` fields copied
 * out of the data so `_job.status`, `_job.runAt` … can be filtered and sorted through an index.
 * `_job_progress` is also where `ctx.progress(n)` writes, without a new revision.
 */
export const JOB_COLUMNS = {
  status: '_job_status', attempts: '_job_attempts', runAt: '_job_run_at',
  startedAt: '_job_started_at', finishedAt: '_job_finished_at', progress: '_job_progress',
} as const;

/** The job columns in the order `jobColumnValues` returns their values. */
export const JOB_COLUMN_NAMES: readonly string[] = Object.values(JOB_COLUMNS);

type Property = { type: string; columnType: string; nullable: boolean };

/** MikroORM properties of the job columns (all nullable: rows stored before `@Job` was added have none). */
export function jobColumnProperties(dialect: Dialect): Record<string, Property> {
  const column = (columnType: string): Property => ({ type: 'unknown', columnType, nullable: true });
  return {
    [JOB_COLUMNS.status]: column('text'),
    [JOB_COLUMNS.attempts]: column(dialect.columnType('integer')),
    [JOB_COLUMNS.runAt]: column('text'),
    [JOB_COLUMNS.startedAt]: column('text'),
    [JOB_COLUMNS.finishedAt]: column('text'),
    [JOB_COLUMNS.progress]: column(dialect.columnType('number')),
  };
}

/** Indexes of the job columns a job list is usually filtered or sorted by. */
export function jobColumnIndexes(table: string): { name: string; properties: string[] }[] {
  return [JOB_COLUMNS.status, JOB_COLUMNS.runAt].map((column) => ({ name: `${table}_${column}_idx`, properties: [column, 'id'] }));
}

/** The job column values of stored `data` (nulls when it holds no `_job`). */
export function jobColumnValues(data: Record<string, unknown>): unknown[] {
  const job = (data._job ?? {}) as Record<string, unknown>;
  return [job.status, job.attempts, job.runAt, job.startedAt, job.finishedAt, job.progress].map((value) => value ?? null);
}

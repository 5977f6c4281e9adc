import { EntitySchema } from '@mikro-orm/core';
import type { Dialect } from '../../lib/plugin-api.js';

/** The queue: one row per queued or running job resource, plus one per `every` schedule (Agenda's job documents). */
export const JOBS_TABLE = 'strata_jobs';
/** Lines handlers wrote with `ctx.log()`. */
export const JOB_LOGS_TABLE = 'strata_job_logs';

type Property = { type: string; columnType: string; nullable?: boolean; primary?: boolean; autoincrement?: boolean; fieldName?: string };

/**
 * The jobs plugin's own tables, added to the database additively at bootstrap. Times are epoch
 * milliseconds (integers on both dialects, so comparisons never depend on a driver's date handling).
 */
export function jobEntitySchemas(dialect: Dialect): EntitySchema[] {
  const integer = (nullable = true): Property => ({ type: 'number', columnType: dialect.columnType('integer'), nullable });
  const text = (nullable = true): Property => ({ type: 'string', columnType: 'text', nullable });
  const queue: Record<string, Property> = {
    id: { ...text(false), primary: true },
    name: text(false),
    type: text(false),
    priority: integer(false),
    next_run_at: integer(),
    locked_at: integer(),
    // A fresh token per claim: a write from a worker whose claim was superseded (lock expired, rerun) is refused.
    claim: text(),
    last_run_at: integer(),
    last_finished_at: integer(),
    failed_at: integer(),
    fail_count: integer(),
    fail_reason: text(),
    repeat_interval: text(),
    repeat_timezone: text(),
    repeat_at: text(),
    data: { type: 'json', columnType: dialect.name === 'postgresql' ? 'jsonb' : 'json', nullable: false },
    disabled: integer(false),
    progress: { type: 'number', columnType: dialect.columnType('number'), nullable: true },
    last_modified_by: text(),
    debounce_started_at: integer(),
  };
  const logs: Record<string, Property> = {
    id: { type: 'number', columnType: dialect.name === 'postgresql' ? 'bigserial' : 'integer', primary: true, autoincrement: true },
    resource: text(false),
    job_id: text(false),
    attempt: integer(false),
    at: text(false),
    level: text(false),
    message: text(false),
  };
  for (const properties of [queue, logs]) for (const [column, property] of Object.entries(properties)) property.fieldName = column;
  return [
    new EntitySchema({
      name: 'StrataJob',
      tableName: JOBS_TABLE,
      properties: queue as never,
      indexes: [
        { name: `${JOBS_TABLE}_next_idx`, expression: `create index "${JOBS_TABLE}_next_idx" on "${JOBS_TABLE}" ("name", "next_run_at", "priority" desc)` },
        { name: `${JOBS_TABLE}_locked_idx`, properties: ['locked_at'] },
      ],
      // One row per `every` schedule: workers starting at once upsert the same row.
      uniques: [{ name: `${JOBS_TABLE}_single_unique`, expression: `create unique index "${JOBS_TABLE}_single_unique" on "${JOBS_TABLE}" ("name") where "type" = 'single'` }],
    }),
    new EntitySchema({
      name: 'StrataJobLog',
      tableName: JOB_LOGS_TABLE,
      properties: logs as never,
      indexes: [{ name: `${JOB_LOGS_TABLE}_job_idx`, properties: ['resource', 'job_id', 'id'] }],
    }),
  ];
}

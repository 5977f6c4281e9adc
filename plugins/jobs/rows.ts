import { toJobId, type JobParameters, type JobsSort, type RemoveJobsOptions } from 'agenda';
import { StrataError, type Database, type Row } from '../../lib/plugin-api.js';
import { JOBS_TABLE } from './schema.js';

/** The quoted queue table name. */
export const TABLE = `"${JOBS_TABLE}"`;

/** A queue row as Agenda sees it, plus the claim token that guards a worker's later writes. */
export type QueueJob<DATA = unknown> = JobParameters<DATA> & { claim?: string };

/** Epoch milliseconds of a date (or null). */
export function millis(value: Date | string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(time) ? null : time;
}

function date(value: unknown): Date | undefined {
  return value === null || value === undefined ? undefined : new Date(Number(value));
}

function optional<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** A queue row (as either driver returns it) as Agenda's JobParameters. */
export function rowToJob<DATA = unknown>(database: Database, row: Row): QueueJob<DATA> {
  return {
    _id: toJobId(String(row.id)),
    name: String(row.name),
    priority: Number(row.priority),
    nextRunAt: date(row.next_run_at) ?? null,
    type: row.type as 'normal' | 'single',
    lockedAt: date(row.locked_at),
    lastRunAt: date(row.last_run_at),
    lastFinishedAt: date(row.last_finished_at),
    failedAt: date(row.failed_at),
    failCount: row.fail_count === null || row.fail_count === undefined ? undefined : Number(row.fail_count),
    failReason: optional(row.fail_reason as string | null),
    repeatInterval: optional(row.repeat_interval as string | null),
    repeatTimezone: optional(row.repeat_timezone as string | null),
    repeatAt: optional(row.repeat_at as string | null),
    data: database.dialect.parseJson(row.data) as DATA,
    disabled: Number(row.disabled) === 1 || row.disabled === true,
    progress: row.progress === null || row.progress === undefined ? undefined : Number(row.progress),
    lastModifiedBy: optional(row.last_modified_by as string | null),
    debounceStartedAt: date(row.debounce_started_at),
    claim: optional(row.claim as string | null),
  };
}

/** `WHERE` conditions for Agenda's remove/disable/enable options; undefined when the options select nothing. */
export function filterOf(database: Database, options: RemoveJobsOptions): { sql: string; params: unknown[] } | undefined {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (options.id !== undefined) {
    conditions.push('"id" = ?');
    params.push(String(options.id));
  } else if (options.ids && options.ids.length > 0) {
    conditions.push(`"id" IN (${placeholders(options.ids)})`);
    params.push(...options.ids.map(String));
  }
  if (options.name !== undefined) {
    conditions.push('"name" = ?');
    params.push(options.name);
  } else if (options.names && options.names.length > 0) {
    conditions.push(`"name" IN (${placeholders(options.names)})`);
    params.push(...options.names);
  } else if (options.notNames && options.notNames.length > 0) {
    conditions.push(`"name" NOT IN (${placeholders(options.notNames)})`);
    params.push(...options.notNames);
  }
  if (options.data !== undefined) {
    const match = dataMatch(database, options.data);
    conditions.push(match.sql);
    params.push(...match.params);
  }
  return conditions.length === 0 ? undefined : { sql: conditions.join(' AND '), params };
}

/**
 * Rows whose `data` contains `data`: PostgreSQL's jsonb containment; on SQLite each top-level key
 * compared (objects as canonical JSON text).
 */
export function dataMatch(database: Database, data: unknown): { sql: string; params: unknown[] } {
  if (database.dialect.name === 'postgresql') return { sql: '"data" @> ?::jsonb', params: [JSON.stringify(data)] };
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { sql: 'json("data") = json(?)', params: [JSON.stringify(data)] };
  const entries = Object.entries(data as Record<string, unknown>);
  if (entries.length === 0) return { sql: '1 = 1', params: [] };
  return {
    sql: entries.map(() => 'json_extract("data", ?) IS json_extract(?, \'$\')').join(' AND '),
    params: entries.flatMap(([key, value]) => [`$."${key.replaceAll('"', '""')}"`, JSON.stringify(value)]),
  };
}

/** `?, ?, ?` for a list of values. */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

const SORT_COLUMNS: Record<keyof JobsSort, string | undefined> = {
  nextRunAt: 'next_run_at', lastRunAt: 'last_run_at', lastFinishedAt: 'last_finished_at', priority: 'priority', name: 'name', data: undefined,
};

/** ORDER BY of a job query (default: next run, then last run, newest first). */
export function orderBy(sort: JobsSort | undefined): string {
  const parts = Object.entries(sort ?? {})
    .filter(([key]) => SORT_COLUMNS[key as keyof JobsSort])
    .map(([key, direction]) => `"${SORT_COLUMNS[key as keyof JobsSort]}" ${direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`);
  return (parts.length > 0 ? parts : ['"next_run_at" DESC NULLS LAST', '"last_run_at" DESC NULLS LAST']).concat('"id"').join(', ');
}

/**
 * The condition of a unique key (`{ 'data.userId': 7, name: 'x' }`): `data.` paths are compared
 * inside the JSON, other keys against their column.
 */
export function uniqueMatch(database: Database, unique: Record<string, unknown>): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  for (const [key, value] of Object.entries(unique)) {
    if (key.startsWith('data.')) {
      const path = key.slice('data.'.length);
      if (database.dialect.name === 'postgresql') {
        conditions.push(`("data" #>> ?::text[]) = ?`);
        params.push(`{${path.split('.').map((part) => `"${part.replaceAll('"', '\\"')}"`).join(',')}}`, String(value));
      } else {
        conditions.push('json_extract("data", ?) IS json_extract(?, \'$\')');
        params.push(`$.${path.split('.').map((part) => `"${part.replaceAll('"', '""')}"`).join('.')}`, JSON.stringify(value));
      }
      continue;
    }
    const column = key.replace(/([A-Z])/g, '_$1').toLowerCase();
    if (!UNIQUE_COLUMNS.has(column)) throw new StrataError('INTERNAL', `unique key ${key} is neither data.<path> nor a job field (${[...UNIQUE_COLUMNS].join(', ')})`);
    conditions.push(`"${column}" = ?`);
    params.push(value);
  }
  return { sql: conditions.join(' AND ') || '1 = 1', params };
}

const UNIQUE_COLUMNS = new Set(['name', 'type', 'priority', 'repeat_interval', 'repeat_at', 'repeat_timezone']);

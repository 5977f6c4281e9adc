import { isDeepStrictEqual } from 'node:util';
import { StrataError } from '../errors/index.js';
import { JOB_STATUSES, type JobState, type JobStatus } from '../metadata/job-model.js';
import type { ResourceModel } from '../metadata/model.js';

/** Statuses a job can be rerun from. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** `_job` of a job just created, due at `runAt` (an ISO-8601 date-time or Date; default now). */
export function initialJobState(model: ResourceModel, runAt: unknown, now: string): JobState {
  return {
    status: 'queued', attempts: 0, maxAttempts: model.job!.maxAttempts, runAt: runAt === undefined || runAt === null ? now : parseRunAt(runAt),
    startedAt: null, finishedAt: null, progress: null, result: null, error: null,
  };
}

/** `runAt` as an ISO-8601 UTC date-time; anything else is a BAD_REQUEST. */
export function parseRunAt(runAt: unknown): string {
  const time = runAt instanceof Date ? runAt.getTime()
    : typeof runAt === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(runAt) ? Date.parse(runAt) : NaN;
  if (Number.isNaN(time)) throw StrataError.badRequest(`runAt must be an ISO-8601 date-time such as 2030-01-01T09:00:00Z, got ${JSON.stringify(runAt)}`);
  return new Date(time).toISOString();
}

/** The `_job` of stored data, or undefined when the data has none. */
export function jobStateOf(data: Record<string, unknown>): JobState | undefined {
  return data._job as JobState | undefined;
}

/** `data` without `_job`: what clients wrote, what validation and patches see. */
export function withoutJobState(data: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(data, '_job')) return data;
  const { _job: _state, ...rest } = data;
  return rest;
}

/** `data` carrying `job` (or no `_job` when `job` is undefined). */
export function withJobState(data: Record<string, unknown>, job: JobState | undefined): Record<string, unknown> {
  const rest = withoutJobState(data);
  return job === undefined ? rest : { ...rest, _job: job };
}

/** A rerun: a finished job queued again from scratch (attempts and result cleared, history kept). */
export function rerunState(model: ResourceModel, job: JobState, id: string, now: string): JobState {
  if (!FINISHED_STATUSES.includes(job.status)) {
    throw StrataError.conflict(`${model.name} ${id} is ${job.status}; only a succeeded, failed or cancelled job can be rerun`);
  }
  return initialJobState(model, undefined, now);
}

/** A cancel: a queued or running job becomes `cancelled`; cancelling a cancelled job changes nothing. */
export function cancelState(model: ResourceModel, job: JobState, id: string, now: string): JobState {
  if (job.status === 'cancelled') return job;
  if (job.status !== 'queued' && job.status !== 'running') {
    throw StrataError.conflict(`${model.name} ${id} has ${job.status} already; only a queued or running job can be cancelled`);
  }
  return { ...job, status: 'cancelled', finishedAt: now };
}

/**
 * Checks an imported `_job` (from `_export`): its shape must be a JobState; otherwise the record is
 * refused with VALIDATION_FAILED naming the line.
 */
export function checkImportedJobState(model: ResourceModel, data: Record<string, unknown>, line: number): void {
  const job = data._job as Partial<JobState> | undefined;
  const fail = (message: string) => StrataError.validation([{ path: `[${line}]._job`, message: `record ${line}: ${message}`, constraint: 'import' }]);
  if (!model.job) {
    if (job !== undefined) throw fail(`${model.name} is not a job, so its data cannot hold _job`);
    return;
  }
  if (!job || typeof job !== 'object' || !JOB_STATUSES.includes(job.status as JobStatus)
    || !Number.isSafeInteger(job.attempts) || !Number.isSafeInteger(job.maxAttempts) || typeof job.runAt !== 'string') {
    throw fail(`_job must be { status: ${JOB_STATUSES.join('|')}, attempts, maxAttempts, runAt, … } as _export writes it`);
  }
}

/** `data` carrying the `_job` of `from` (the current data): a client's write never changes `_job`. */
export function carryJobState(from: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
  return withJobState(data, jobStateOf(from));
}

/**
 * A switch to revision `n` of a job must leave its `_job` as it is (say, to undo an edit of the
 * fields): the job's state belongs to the workers, and the queue would not follow a state brought
 * back from the history (a `queued` job nobody runs). Otherwise CONFLICT.
 */
export function checkSwitchKeepsJobState(model: ResourceModel, id: string, n: number, current: Record<string, unknown>, target: Record<string, unknown>): void {
  if (!model.job || isDeepStrictEqual(jobStateOf(current), jobStateOf(target))) return;
  throw StrataError.conflict(`${model.name} ${id}: revision ${n} holds another job state than the current one, and a switch cannot change a job's state; use rerun or cancel`);
}

import type { ResourceView } from './views.js';

/** Where a job stands. `queued` also covers a retry waiting for its backoff. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** One of `JOB_STATUSES`. */
export type JobStatus = typeof JOB_STATUSES[number];

/**
 * `_job` of a job resource (docs/jobs.md). Every status change is a new stable revision
 * whose data carries `_job`; `progress` changes in place, without a revision.
 */
export interface JobState {
  status: JobStatus;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  /** When the job is (or was) due: its creation, `?runAt=`, or a retry's backoff. */
  runAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** 0–100, as the handler reported with `ctx.progress(n)`. */
  progress: number | null;
  /** What the handler returned (JSON). */
  result: unknown;
  /** The message of the last failure. */
  error: string | null;
}

/** How long to wait before the next attempt of a failed job: `fixed` waits `delay` every time, `exponential` doubles it (up to `maxDelay`). */
export interface BackoffOptions {
  type: 'fixed' | 'exponential';
  /** Milliseconds before the first retry. */
  delay: number;
  /** Longest wait in milliseconds (exponential backoff stops growing here). */
  maxDelay?: number;
}

/** What a job handler receives besides the job resource. */
export interface JobContext {
  /** Aborted when the job is cancelled, times out, or the worker shuts down; `signal.reason` says why. */
  readonly signal: AbortSignal;
  /** The number of this attempt, from 1. */
  readonly attempt: number;
  /** Stores a log line, served at `GET /<jobs>/:id/logs`. Resolves once stored. */
  log(message: string, level?: JobLogLevel): Promise<void>;
  /** Records progress (0–100) in `_job.progress` without writing a revision. */
  progress(percent: number): Promise<void>;
  /**
   * Ends this attempt without counting it, because the job must wait for something else: it throws,
   * and the job goes back to `queued`, due in `delay` milliseconds, with `attempts` as before the
   * attempt and `reason` as `_job.error`.
   * @example if (await earlierStillRunning()) ctx.postpone(1000, 'waiting for the earlier export');
   */
  postpone(delay: number, reason: string): never;
}

/** Levels of job log lines. */
export type JobLogLevel = 'info' | 'warn' | 'error';

/** A job resource as its handler sees it: the fields, `id`, `_meta` and `_job`. */
export type JobResource<T = Record<string, unknown>> = T & ResourceView & { _job: JobState };

/**
 * Runs one attempt of a job. What it returns (JSON) becomes `_job.result`; what it throws fails the
 * attempt (retried with backoff until `maxAttempts`).
 * @example const send: JobHandler<SendEmail> = async (job, ctx) => { await ctx.log(`to ${job.to}`); return { sent: true }; };
 */
export type JobHandler<T = Record<string, unknown>> = (job: JobResource<T>, context: JobContext) => unknown;

/** Options of `@Job`, as written. */
export interface JobOptions<T = Record<string, unknown>> {
  /** Runs each attempt (required). */
  handler: JobHandler<T>;
  /** Attempts running at once per worker process (default 5). */
  concurrency?: number;
  /** Attempts before the job is `failed` (default 3). */
  maxAttempts?: number;
  /** Wait between attempts (default exponential from 1 s, at most 5 min). */
  backoff?: BackoffOptions;
  /** Milliseconds an attempt may take; then its signal is aborted and the attempt fails. */
  timeout?: number;
  /** Creates one job resource per run on this schedule: a cron expression (`0 3 * * *`), a human interval (`5 minutes`) or milliseconds. */
  every?: string | number;
}

/** `@Job` options with their defaults applied; built and checked at bootstrap. */
export interface JobModel {
  readonly handler: JobHandler;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly backoff: Readonly<Required<Pick<BackoffOptions, 'type' | 'delay'>> & { maxDelay: number }>;
  readonly timeout?: number;
  readonly every?: string | number;
}

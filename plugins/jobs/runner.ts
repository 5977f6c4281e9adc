import { constant, exponential, type Job as AgendaJob } from 'agenda';
import { isStrataError, StrataError, type JobModel, type JobState, type ResourceModel, type ResourceView } from '../../lib/plugin-api.js';
import { Attempt } from './attempt.js';
import type { QueueJob } from './rows.js';
import { JobAbortedError, type JobsRuntime } from './runtime.js';

/** A queued job due this close to now runs at once (clocks and polls are never exact). */
const EARLY_TOLERANCE = 50;

/** How an attempt ended; `postpone` is set when the handler postponed the job (`ctx.postpone`) instead of failing. */
type Outcome = { ok: true; result: unknown } | { ok: false; error: Error; postpone?: number };

/**
 * Agenda's processor for the job resources of one model. The resource's `_job` is the truth: a
 * claimed entry whose job is finished, cancelled or not yet due is dropped or moved, never run.
 * Each status change is a revision; the queue entry is moved or removed in the same transaction.
 */
export function jobProcessor(runtime: JobsRuntime, model: ResourceModel): (agendaJob: AgendaJob) => Promise<void> {
  return async (agendaJob) => {
    const { id } = agendaJob.attrs.data as { id: string };
    const key = String(agendaJob.attrs._id);
    const claim = (agendaJob.attrs as QueueJob).claim;
    try {
      const begun = await begin(runtime, model, id, key, claim, agendaJob);
      if (!begun) return;
      const attempt = new Attempt(runtime, model, id, begun._job, agendaJob);
      runtime.running.set(key, attempt.controller);
      let outcome: Outcome;
      try {
        attempt.start();
        outcome = await run(model.job!, begun, attempt);
      } finally {
        runtime.running.delete(key);
        await attempt.finish();
      }
      await settle(runtime, model, id, key, begun._job, outcome, agendaJob);
    } catch (error) {
      // Recording the start or the outcome failed (a database error, a throwing jobState hook), so
      // the resource is still queued or running. Agenda would retire the entry (no next run) and
      // the job would never run again: keep it queued, to be claimed again after the next poll.
      agendaJob.attrs.nextRunAt = new Date(Date.now() + runtime.options.processEvery);
      throw error;
    }
  };
}

/** Starts the attempt (revision `running`), or drops / defers the entry; the started job, or undefined when there is nothing to run. */
async function begin(runtime: JobsRuntime, model: ResourceModel, id: string, key: string, claim: string | undefined, agendaJob: AgendaJob): Promise<(ResourceView & { _job: JobState }) | undefined> {
  const plan: { decision: 'run' | 'drop' | 'defer'; dueAt: number } = { decision: 'drop', dueAt: 0 };
  try {
    const { view } = await runtime.context.database.transaction(async () => {
      const started = await manager(runtime, model).transition(id, (job, now) => {
        if (job.status === 'queued' && Date.parse(job.runAt) > Date.now() + EARLY_TOLERANCE) {
          [plan.decision, plan.dueAt] = ['defer', Date.parse(job.runAt)];
          return undefined;
        }
        if (job.status !== 'queued' && job.status !== 'running') return undefined;
        // A running job here was claimed by a worker that died (its lock expired): at-least-once, it runs again.
        if (job.status === 'running' && job.attempts >= job.maxAttempts) {
          return { ...job, status: 'failed', finishedAt: now, error: `the worker running attempt ${job.attempts} stopped before it finished, and no attempts are left` };
        }
        plan.decision = 'run';
        return { ...job, status: 'running', attempts: job.attempts + 1, startedAt: now, finishedAt: null, progress: null, error: null };
      });
      if (plan.decision === 'drop') await runtime.repository.dequeue(key, claim);
      return started;
    });
    if (plan.decision === 'defer') agendaJob.attrs.nextRunAt = new Date(plan.dueAt);
    if (plan.decision === 'drop') agendaJob.attrs.nextRunAt = null;
    return plan.decision === 'run' ? view as ResourceView & { _job: JobState } : undefined;
  } catch (error) {
    if (!isStrataError(error) || (error.code !== 'NOT_FOUND' && error.code !== 'GONE')) throw error;
    // Deleted or purged meanwhile: nothing to run.
    agendaJob.attrs.nextRunAt = null;
    await runtime.repository.dequeue(key, claim);
    return undefined;
  }
}

/** Runs the handler until it settles, times out, or the attempt's signal is aborted. */
async function run(job: JobModel, view: ResourceView & { _job: JobState }, attempt: Attempt): Promise<Outcome> {
  const signal = attempt.controller.signal;
  const timeout = job.timeout === undefined ? undefined
    : setTimeout(() => attempt.controller.abort(new JobAbortedError('timeout', `the attempt timed out after ${job.timeout} ms`)), job.timeout);
  const aborted = new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  aborted.catch(() => undefined);
  try {
    const result = await Promise.race([Promise.resolve().then(() => job.handler(view, attempt.context())), aborted]);
    return { ok: true, result: storableResult(result) };
  } catch (error) {
    const reason = signal.aborted ? signal.reason : error;
    const postpone = signal.aborted ? undefined : attempt.postponedBy(error);
    return { ok: false, error: reason instanceof Error ? reason : new Error(String(reason)), ...(postpone === undefined ? {} : { postpone }) };
  } finally {
    clearTimeout(timeout);
  }
}

/**
 * Records the outcome as the next revision, unless the attempt is no longer the current one
 * (cancelled, deleted, rerun, or claimed again): `succeeded`; a postponement (`queued` after the
 * handler's delay, the attempt not counted); a retry (`queued` at the backoff's time, or at once
 * when the worker shut down); `failed` once no attempts are left.
 */
async function settle(runtime: JobsRuntime, model: ResourceModel, id: string, key: string, started: JobState, outcome: Outcome, agendaJob: AgendaJob): Promise<void> {
  const claim = (agendaJob.attrs as QueueJob).claim;
  const shutdown = !outcome.ok && outcome.error instanceof JobAbortedError && outcome.error.kind === 'shutdown';
  let nextRunAt: number | null | undefined;
  try {
    await runtime.context.database.transaction(async () => {
      await manager(runtime, model).transition(id, (job, now) => {
        if (job.status !== 'running' || job.attempts !== started.attempts || job.startedAt !== started.startedAt) return undefined;
        if (outcome.ok) {
          nextRunAt = null;
          return { ...job, status: 'succeeded', finishedAt: now, result: outcome.result, error: null };
        }
        const message = outcome.error.message || outcome.error.name || 'the handler failed';
        // A postponed attempt does not count: the job waits, with the attempts it had before.
        if (outcome.postpone !== undefined) {
          nextRunAt = Date.now() + outcome.postpone;
          return { ...job, status: 'queued', attempts: job.attempts - 1, runAt: new Date(nextRunAt).toISOString(), error: message };
        }
        // A shutdown counts the attempt like any other: with none left the job fails, as when a worker dies.
        if (job.attempts < job.maxAttempts) {
          nextRunAt = shutdown ? Date.now() : Date.now() + retryDelay(model.job!.backoff, job.attempts);
          return { ...job, status: 'queued', runAt: new Date(nextRunAt).toISOString(), error: message };
        }
        nextRunAt = null;
        return { ...job, status: 'failed', finishedAt: now, error: message };
      });
      // A finished job's entry is left to Agenda, which unlocks it right after this; the worker sweeps it later.
      if (nextRunAt !== undefined && nextRunAt !== null) await runtime.repository.reschedule(key, claim!, nextRunAt);
    });
  } catch (error) {
    if (!isStrataError(error) || (error.code !== 'NOT_FOUND' && error.code !== 'GONE')) throw error;
  }
  // Agenda saves the entry once more after the processor returns: with the same next run.
  agendaJob.attrs.nextRunAt = nextRunAt === undefined || nextRunAt === null ? null : new Date(nextRunAt);
}

/** The wait before the next attempt after attempt `attempt` (1-based) failed, by Agenda's backoff strategies. */
export function retryDelay(backoff: JobModel['backoff'], attempt: number): number {
  const strategy = backoff.type === 'fixed'
    ? constant({ delay: backoff.delay, maxRetries: Number.MAX_SAFE_INTEGER })
    : exponential({ delay: backoff.delay, maxDelay: backoff.maxDelay, factor: 2, maxRetries: Number.MAX_SAFE_INTEGER });
  return strategy({ attempt, error: new Error('retry'), jobName: '', jobData: undefined }) ?? backoff.delay;
}

/** What a handler returned, as JSON that every backend can store; anything else fails the attempt. */
function storableResult(result: unknown): unknown {
  if (result === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch (error) {
    throw new StrataError('INTERNAL', `the handler returned a result that is not JSON: ${(error as Error).message}`);
  }
  if (text === undefined) return null;
  if (text.includes('\\u0000')) throw new StrataError('INTERNAL', 'the handler returned a result holding the NUL character (U+0000), which cannot be stored');
  return JSON.parse(text);
}

function manager(runtime: JobsRuntime, model: ResourceModel) {
  return runtime.context.manager(model.target as never).jobs!;
}

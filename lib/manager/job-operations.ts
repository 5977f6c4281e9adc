import { StrataError } from '../errors/index.js';
import type { JobState } from '../metadata/job-model.js';
import type { ResourceModel } from '../metadata/model.js';
import type { ResourceView } from '../metadata/views.js';
import type { ResourceStore } from '../storage/resource-store.js';
import type { StoredState } from '../storage/rows.js';
import type { CallAccess } from './access.js';
import type { CallOptions, WriteOptions } from './context.js';
import type { HookName } from './hooks.js';
import { cancelState, jobStateOf, rerunState, withJobState } from './job-state.js';
import { checkPreconditions } from './preconditions.js';
import { toView, upgrade } from './state.js';

/** What JobOperations borrows from its ResourceManager: the hooked transaction and the revision writer. */
export interface JobInternals {
  write<R>(operation: HookName, input: Record<string, unknown>, options: CallOptions, work: (access: CallAccess) => Promise<R>): Promise<R>;
  /** The live current state of `id` as the caller may see it, locked for the write (NOT_FOUND / GONE / FORBIDDEN otherwise). */
  loadLive(id: string, access: CallAccess): Promise<StoredState>;
  /** Writes `data` (with `_job`) as the next stable revision; identical data writes nothing. */
  writeRevision(state: StoredState, data: Record<string, unknown>, options: WriteOptions, access: CallAccess): Promise<ResourceView>;
}

/** Decides a job's next `_job` from its current one; returns undefined to write nothing. */
export type JobChange = (job: JobState, now: string) => JobState | undefined;

/**
 * The job operations of a `@Job` resource (`manager.jobs`). Each `_job` status change is a new
 * stable revision written in one transaction with its hooks (`rerun`, `cancel`, `jobState`), so
 * the jobs plugin can queue or unqueue in the same transaction. Progress changes in place.
 */
export class JobOperations {
  constructor(private readonly model: ResourceModel, private readonly store: ResourceStore, private readonly internals: JobInternals) {}

  /** Queues a succeeded, failed or cancelled job again from scratch; otherwise CONFLICT. */
  rerun(id: string, options: WriteOptions = {}): Promise<ResourceView> {
    return this.change('rerun', id, options, (job, now) => rerunState(this.model, job, id, now)).then(({ view }) => view);
  }

  /** Cancels a queued or running job (the jobs plugin aborts a running one's signal); a finished job is a CONFLICT. */
  cancel(id: string, options: WriteOptions = {}): Promise<ResourceView> {
    return this.change('cancel', id, options, (job, now) => cancelState(this.model, job, id, now)).then(({ view }) => view);
  }

  /**
   * A worker's state change (start, success, retry, failure), under the `jobState` hook. `change`
   * sees the current `_job` and returns the next, or undefined when the change no longer applies
   * (say the job was cancelled meanwhile); `changed` tells which happened.
   */
  transition(id: string, change: JobChange, options: CallOptions = {}): Promise<{ view: ResourceView; changed: boolean }> {
    return this.change('jobState', id, options, change);
  }

  /**
   * Sets `_job.progress` (0–100) of the attempt that started at `attempt.startedAt` while it runs,
   * in place: no revision, no hook. False when that attempt is not running any more.
   */
  progress(id: string, attempt: Pick<JobState, 'attempts' | 'startedAt'>, percent: number): Promise<boolean> {
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      return Promise.reject(new StrataError('INTERNAL', `progress must be a number from 0 to 100, got ${String(percent)}`));
    }
    return this.store.updateJobProgress(id, attempt, percent);
  }

  private async change(operation: HookName, id: string, options: WriteOptions, decide: JobChange): Promise<{ view: ResourceView; changed: boolean }> {
    let changed = false;
    // The hooks see the resource as the operation's result, as for every other write.
    const view = await this.internals.write(operation, { id, ...options }, options, async (access) => {
      const state = await this.internals.loadLive(id, access);
      checkPreconditions(state, options);
      const data = upgrade(this.model, state.data, state.schemaVersion);
      const job = jobStateOf(data);
      if (!job) throw StrataError.conflict(`${this.model.name} ${id} has no job state: it was stored before @Job was added; create it again`);
      const next = decide(job, new Date().toISOString());
      if (next === undefined || next === job) return access.maskView(toView(this.model, state));
      changed = true;
      return this.internals.writeRevision(state, withJobState(data, next), options, access);
    });
    return { view, changed };
  }
}

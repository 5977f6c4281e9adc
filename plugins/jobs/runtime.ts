import type { Logger, PluginContext, ResourceModel } from '../../lib/plugin-api.js';
import { JobLogStore } from './logs.js';
import { StrataNotificationChannel } from './notifications.js';
import type { ResolvedJobsOptions } from './options.js';
import { SqlJobRepository } from './repository.js';
import { TimerTracker } from './timers.js';

/** Why a running attempt's signal was aborted. */
export type AbortCause = 'cancelled' | 'deleted' | 'timeout' | 'shutdown' | 'lost';

/** The error a handler's `ctx.signal.reason` holds. */
export class JobAbortedError extends Error {
  constructor(readonly kind: AbortCause, message: string) {
    super(message);
    this.name = kind === 'timeout' ? 'TimeoutError' : 'AbortError';
  }
}

/** The queue entry id of a job resource: one per resource, named after the resource too (ids of different resources may be equal). */
export function queueId(model: ResourceModel, id: string): string {
  return `${model.name}:${id}`;
}

/** The Agenda job name of a resource's `every` schedule. */
export function scheduleName(model: ResourceModel): string {
  return `${model.name}:every`;
}

/**
 * What the jobs plugin keeps per app: the queue repository, the wake-up channel, the log store and
 * the attempts running in this process (so a cancel can abort their signals). The database-backed
 * parts exist from the mount phase on.
 */
export class JobsRuntime {
  readonly timers = new TimerTracker();
  /** Attempts running in this process, by queue entry id. */
  readonly running = new Map<string, AbortController>();
  private parts?: { repository: SqlJobRepository; channel: StrataNotificationChannel; logs: JobLogStore };

  constructor(readonly context: PluginContext, readonly options: ResolvedJobsOptions) {}

  get logger(): Logger {
    return this.context.logger;
  }

  get repository(): SqlJobRepository {
    return this.open().repository;
  }

  get channel(): StrataNotificationChannel {
    return this.open().channel;
  }

  get logs(): JobLogStore {
    return this.open().logs;
  }

  /** Queues job resource `view` (its id and `_job`; inside the transaction that created, restored, reran or imported it) and announces it. */
  async enqueue(model: ResourceModel, view: { id: string; _job?: unknown }): Promise<void> {
    const runAt = Date.parse(String((view._job as { runAt?: string } | undefined)?.runAt ?? '')) || Date.now();
    await this.repository.enqueue({ id: queueId(model, view.id), name: model.name, runAt, data: { id: view.id } });
    await this.channel.announce(model.name, runAt);
  }

  /** Takes a job off the queue (inside the cancelling or deleting transaction) and stops its running attempt wherever it runs. */
  async unqueue(model: ResourceModel, id: string, cause: 'cancelled' | 'deleted'): Promise<void> {
    const key = queueId(model, id);
    await this.repository.dequeue(key);
    await this.channel.announceCancel(model.name, key);
    this.context.database.afterCommit(() => this.abort(key, cause));
  }

  /** Aborts the signal of attempt `key` if it runs in this process. */
  abort(key: string, cause: AbortCause): void {
    const messages: Record<AbortCause, string> = {
      cancelled: 'the job was cancelled', deleted: 'the job was deleted', timeout: 'the attempt timed out',
      shutdown: 'the worker is shutting down', lost: 'the job was claimed by another worker or taken off the queue',
    };
    this.running.get(key)?.abort(new JobAbortedError(cause, messages[cause]));
  }

  private open(): NonNullable<JobsRuntime['parts']> {
    if (!this.parts) {
      const database = this.context.database;
      this.parts = {
        repository: new SqlJobRepository(database),
        channel: new StrataNotificationChannel(database, this.context.options.database, this.timers, this.logger),
        logs: new JobLogStore(database),
      };
      this.parts.channel.onCancel((key) => this.abort(key, 'cancelled'));
    }
    return this.parts;
  }
}

import { format } from 'node:util';
import type { Job as AgendaJob } from 'agenda';
import { StrataError, type JobContext, type JobLogLevel, type JobState, type ResourceModel } from '../../lib/plugin-api.js';
import type { QueueJob } from './rows.js';
import type { JobsRuntime } from './runtime.js';

const LEVELS: readonly JobLogLevel[] = ['info', 'warn', 'error'];

/**
 * One running attempt of a job resource: the `ctx` its handler gets (log, progress, signal) and the
 * heartbeat that keeps its queue lock and notices when the attempt is no longer wanted (cancelled
 * or deleted in another process, or claimed again after its lock expired).
 */
export class Attempt {
  readonly controller = new AbortController();
  /** Set by `ctx.postpone`: the error it threw and the wait it asked for. */
  private postponement?: { error: Error; delay: number };
  readonly key: string;
  readonly claim: string | undefined;
  /** Log and progress writes, in the order the handler made them. */
  private writes: Promise<void> = Promise.resolve();
  private heartbeat?: NodeJS.Timeout;
  /** The beat in progress, if any: beats never overlap, and `finish()` waits for the last one. */
  private beating?: Promise<void>;

  constructor(
    private readonly runtime: JobsRuntime,
    private readonly model: ResourceModel,
    private readonly id: string,
    private readonly job: JobState,
    private readonly agendaJob: AgendaJob,
  ) {
    this.key = String(agendaJob.attrs._id);
    this.claim = (agendaJob.attrs as QueueJob).claim;
  }

  /** The handler's second argument. */
  context(): JobContext {
    return {
      signal: this.controller.signal,
      attempt: this.job.attempts,
      log: (message, level = 'info') => {
        if (!LEVELS.includes(level)) throw new StrataError('INTERNAL', `ctx.log level must be one of ${LEVELS.join(', ')}, got ${String(level)}`);
        const text = typeof message === 'string' ? message : format(message);
        return this.enqueueWrite(() => this.runtime.logs.append(this.model.name, this.id, this.job.attempts, level, text));
      },
      progress: (percent) => {
        if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
          throw new StrataError('INTERNAL', `ctx.progress takes a number from 0 to 100, got ${String(percent)}`);
        }
        return this.enqueueWrite(async () => {
          await this.runtime.context.manager(this.model.target as never).jobs!.progress(this.id, this.job, percent);
        });
      },
      postpone: (delay, reason) => {
        if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
          throw new StrataError('INTERNAL', `ctx.postpone takes a delay of 0 or more milliseconds, got ${String(delay)}`);
        }
        const error = new Error(typeof reason === 'string' && reason !== '' ? reason : 'the job was postponed');
        error.name = 'JobPostponed';
        this.postponement = { error, delay };
        throw error;
      },
    };
  }

  /** The wait `ctx.postpone` asked for when `error` is what it threw (the handler let it through), else undefined. */
  postponedBy(error: unknown): number | undefined {
    return this.postponement !== undefined && error === this.postponement.error ? this.postponement.delay : undefined;
  }

  /** Starts the heartbeat: a liveness check every `checkInterval`, a lock refresh every third of the lock lifetime. */
  start(): void {
    const { checkInterval, lockLifetime } = this.runtime.options;
    let sinceTouch = 0;
    this.heartbeat = setInterval(() => {
      sinceTouch += checkInterval;
      if (this.beating) return;
      this.beating = this.beat(sinceTouch >= lockLifetime / 3).then((touched) => {
        if (touched) sinceTouch = 0;
        this.beating = undefined;
      });
    }, checkInterval);
  }

  /**
   * Stops the heartbeat and waits for the handler's log and progress writes, and for a beat in
   * progress: a lock refresh landing after the outcome is recorded would lock the entry again.
   */
  async finish(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.beating;
    await this.writes;
  }

  private async beat(touch: boolean): Promise<boolean> {
    try {
      const claim = await this.runtime.repository.claimOf(this.key);
      if (claim === undefined || (this.claim !== undefined && claim !== this.claim)) {
        this.runtime.abort(this.key, claim === undefined ? 'cancelled' : 'lost');
        return false;
      }
      if (!touch) return false;
      await this.agendaJob.touch();
      return true;
    } catch (error) {
      if (!this.controller.signal.aborted) this.runtime.logger.warn('jobs: heartbeat failed', { job: this.key, error: (error as Error).message });
      return false;
    }
  }

  private enqueueWrite(write: () => Promise<void>): Promise<void> {
    this.writes = this.writes.then(write).catch((error: unknown) => {
      this.runtime.logger.warn('jobs: a log or progress write of a running job failed', { job: this.key, error: (error as Error).message });
    });
    return this.writes;
  }
}

import type { EventFilter, EventHandler, Logger, StrataEvent } from '../../lib/plugin-api.js';
import type { EventLog } from './log.js';
import type { Wakeups } from './wakeups.js';

interface Follower {
  readonly handler: EventHandler;
  readonly resource?: string;
}

/**
 * Follows the change log for `events.follow`: every committed event of every process sharing the
 * database. This process's own commits are handed over at once (`committed`), so a follower sees
 * the resource as the change left it; other processes' are read from the log after each wakeup
 * (a PostgreSQL NOTIFY, the poll), in log order, skipping the ones already handed over. One reader
 * serves all followers of the app; it reads only while someone follows, from the latest event at
 * the time the first one started, so followers hear what commits after they start.
 */
export class LogFollower {
  private readonly followers = new Set<Follower>();
  private cursor?: Promise<bigint>;
  private reading?: Promise<void>;
  private again = false;
  private unsubscribe?: () => void;
  /** Ids of this process's events handed over at commit and not yet passed by the reader. */
  private readonly handedOver = new Set<string>();
  /** The last id the reader passed: an event at or before it was heard from the log already. */
  private passed = -1n;

  constructor(private readonly log: () => EventLog, private readonly wakeups: () => Wakeups, private readonly logger: Logger, private readonly batch = 100) {}

  follow(handler: EventHandler, filter: EventFilter = {}): () => void {
    const follower: Follower = { handler, ...(filter.resource !== undefined ? { resource: filter.resource } : {}) };
    if (this.followers.size === 0) {
      this.cursor = this.log().latestId();
      this.unsubscribe = this.wakeups().subscribe(() => this.wake());
    }
    this.followers.add(follower);
    return () => {
      this.followers.delete(follower);
      if (this.followers.size === 0) {
        this.unsubscribe?.();
        this.handedOver.clear();
      }
    };
  }

  /** A change of this process committed: its followers hear it now, and the reader will skip it. */
  committed(event: StrataEvent): void {
    if (this.followers.size === 0 || BigInt(event.id) <= this.passed) return;
    this.handedOver.add(event.id);
    this.emit(event);
  }

  /** Reads what the log holds beyond the cursor; a wakeup during a read reads once more after it. */
  private wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read().catch((error: unknown) => {
      this.logger.warn('events: reading the change log for followers failed; the next wakeup tries again', { error: String(error) });
    }).finally(() => {
      this.reading = undefined;
      if (this.again && this.followers.size > 0) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async read(): Promise<void> {
    let after = await this.cursor!;
    for (;;) {
      const events = await this.log().read({ after }, this.batch);
      for (const event of events) {
        after = BigInt(event.id);
        this.passed = after;
        if (!this.handedOver.delete(event.id)) this.emit(event);
      }
      this.cursor = Promise.resolve(after);
      if (events.length < this.batch || this.followers.size === 0) return;
    }
  }

  private emit(event: StrataEvent): void {
    for (const follower of this.followers) {
      if (follower.resource !== undefined && follower.resource !== event.resource) continue;
      try {
        const result = follower.handler(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.logger.error('events: a follower failed', { id: event.id, error: String(error) }));
      } catch (error) {
        this.logger.error('events: a follower failed', { id: event.id, error: String(error) });
      }
    }
  }
}

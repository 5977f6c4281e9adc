import { BaseNotificationChannel, type JobNotification } from 'agenda';
import pg from 'pg';
import type { Database, Logger } from '../../lib/plugin-api.js';
import type { TimerTracker } from './timers.js';

/** The PostgreSQL channel new jobs are announced on. */
export const NOTIFY_CHANNEL = 'strata_jobs';

/** What a NOTIFY on `NOTIFY_CHANNEL` carries. */
interface Announcement {
  /** `job`: due work for the named job; `cancel`: abort the running attempt of queue entry `id`. */
  kind: 'job' | 'cancel';
  name: string;
  id?: string;
  runAt?: number;
}

/**
 * Agenda's notification channel for Strata: wakes this process's worker when a job is queued,
 * without waiting for the next poll. On SQLite the announcement is local, after the commit; on
 * PostgreSQL it is a NOTIFY sent inside the enqueueing transaction, which PostgreSQL delivers at
 * commit to every listening process (this one included). Wakeups for one job name are coalesced:
 * while Agenda fills its queue for a name, further wakeups for it make one more fill afterwards.
 */
export class StrataNotificationChannel extends BaseNotificationChannel {
  private client?: pg.Client;
  private readonly filling = new Map<string, { again: JobNotification | undefined }>();
  private readonly cancelListeners = new Set<(id: string) => void>();

  /** Bumped by `disconnect()`: a LISTEN connection that was still opening then is closed at once. */
  private generation = 0;

  constructor(private readonly database: Database, private readonly url: string, private readonly timers: TimerTracker, private readonly logger: Logger) {
    // Reconnect for as long as the worker runs (polling covers the gap meanwhile).
    super({ channelName: NOTIFY_CHANNEL, reconnect: { enabled: true, maxAttempts: Number.POSITIVE_INFINITY } });
    // The base class emits 'error' when a reconnect fails; unheard, that would crash the process.
    this.on('error', (error: Error) => this.logger.warn('jobs: the LISTEN connection could not be opened again; retrying (workers poll meanwhile)', { error: error.message }));
  }

  async connect(): Promise<void> {
    const generation = this.generation;
    if (this.database.dialect.name === 'postgresql' && !this.client) {
      try {
        await this.listen(generation);
      } catch (error) {
        // A failed reconnect tries again later (the first connect fails the worker's start instead).
        if (this.state === 'reconnecting' && generation === this.generation) this.timers.run(() => this.scheduleReconnect());
        throw error;
      }
    }
    if (generation === this.generation) this.setState('connected');
  }

  async disconnect(): Promise<void> {
    this.generation++;
    this.clearReconnect();
    this.setState('disconnected');
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Agenda publishes here when it saves a job itself (`every` schedules): wake the workers. */
  async publish(notification: JobNotification): Promise<void> {
    if (this.database.dialect.name === 'postgresql') {
      await this.database.all('SELECT pg_notify(?, ?)', [NOTIFY_CHANNEL, JSON.stringify({ kind: 'job', name: notification.jobName, runAt: notification.nextRunAt?.getTime() })]);
    } else {
      this.wake(notification);
    }
  }

  /**
   * Announces that job `name` was queued, due at `runAt`; call it inside the enqueueing transaction.
   * Nothing is announced if that transaction rolls back.
   */
  async announce(name: string, runAt: number): Promise<void> {
    if (this.database.dialect.name === 'postgresql') {
      await this.database.all('SELECT pg_notify(?, ?)', [NOTIFY_CHANNEL, JSON.stringify({ kind: 'job', name, runAt } satisfies Announcement)]);
    } else {
      this.database.afterCommit(() => this.wake(notificationOf(name, runAt)));
    }
  }

  /** Announces (inside the cancelling transaction) that the running attempt of entry `id` must stop; local listeners hear it after the commit. */
  async announceCancel(name: string, id: string): Promise<void> {
    if (this.database.dialect.name === 'postgresql') {
      await this.database.all('SELECT pg_notify(?, ?)', [NOTIFY_CHANNEL, JSON.stringify({ kind: 'cancel', name, id } satisfies Announcement)]);
    } else {
      this.database.afterCommit(() => this.cancelled(id));
    }
  }

  /** Calls `listener(id)` when a cancel is announced (from any process on PostgreSQL). */
  onCancel(listener: (id: string) => void): void {
    this.cancelListeners.add(listener);
  }

  /** Wakes this process's worker for `notification.jobName` (coalesced per name). */
  wake(notification: JobNotification): void {
    if (this.state !== 'connected') return;
    const filling = this.filling.get(notification.jobName);
    if (filling) {
      filling.again = notification;
      return;
    }
    const state = { again: undefined as JobNotification | undefined };
    this.filling.set(notification.jobName, state);
    void this.timers.run(async () => {
      let next: JobNotification | undefined = notification;
      while (next) {
        state.again = undefined;
        await this.notifyHandlers(next);
        next = state.again;
      }
      this.filling.delete(notification.jobName);
    });
  }

  private cancelled(id: string): void {
    for (const listener of this.cancelListeners) listener(id);
  }

  private async listen(generation: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel !== NOTIFY_CHANNEL || !message.payload) return;
      try {
        const announcement = JSON.parse(message.payload) as Announcement;
        if (announcement.kind === 'cancel' && announcement.id) this.cancelled(announcement.id);
        else this.wake(notificationOf(announcement.name, announcement.runAt ?? Date.now()));
      } catch (error) {
        this.logger.warn('jobs: ignored a malformed notification', { payload: message.payload, error: String(error) });
      }
    });
    client.on('error', (error) => {
      this.logger.warn('jobs: the LISTEN connection failed; reconnecting (workers poll meanwhile)', { error: error.message });
      if (this.client === client) {
        this.client = undefined;
        this.timers.run(() => this.scheduleReconnect());
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    if (generation !== this.generation) {
      // Disconnected meanwhile (the worker stopped): this connection must not keep the process alive.
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectAttempts = 0;
  }
}

function notificationOf(name: string, runAt: number): JobNotification {
  return { jobId: '' as JobNotification['jobId'], jobName: name, nextRunAt: new Date(runAt), priority: 0, timestamp: new Date() };
}

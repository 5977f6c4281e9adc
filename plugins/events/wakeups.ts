import pg from 'pg';
import type { Database, Logger } from '../../lib/plugin-api.js';
import { EVENTS_CHANNEL } from './schema.js';

/**
 * Wakes the open event streams of this process when the log may have grown: after a local commit
 * (SQLite), on a PostgreSQL NOTIFY from any server on the same database, this one included (queued
 * by each append, so delivered at commit), and on a slow poll that covers other processes on a SQLite
 * file and a lost LISTEN connection. The log stays the source of truth: a wakeup only says "read".
 */
export class Wakeups {
  private readonly sleepers = new Set<() => void>();
  private client?: pg.Client;
  private poll?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly database: Database, private readonly url: string, private readonly pollMs: number, private readonly logger: Logger) {}

  /** Calls `wake` on every wakeup until the returned function is called. */
  subscribe(wake: () => void): () => void {
    this.sleepers.add(wake);
    return () => this.sleepers.delete(wake);
  }

  /** Wakes every subscriber. */
  wakeAll(): void {
    for (const wake of this.sleepers) wake();
  }

  /**
   * Inside an appending transaction: wakes this process's streams once it commits. On PostgreSQL
   * the append's NOTIFY does that for every server.
   */
  appended(): void {
    if (this.database.dialect.name !== 'postgresql') this.database.afterCommit(() => this.wakeAll());
  }

  /** Starts polling and, on PostgreSQL, listening (a first connection that fails fails the start). */
  async start(): Promise<void> {
    this.poll = setInterval(() => {
      if (this.sleepers.size > 0) this.wakeAll();
    }, this.pollMs);
    this.poll.unref();
    if (this.database.dialect.name === 'postgresql') await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Opens the LISTEN connection; when it breaks, `lost` opens another. */
  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.wakeAll());
    client.on('error', (error) => this.lost(client, error));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) await client.end().catch(() => undefined);
    else this.client = client;
  }

  private lost(client: pg.Client, error: Error): void {
    // Errors of a connection still being opened reject `listen` instead.
    if (this.client !== client) return;
    this.client = undefined;
    this.logger.warn('events: the LISTEN connection failed; streams poll until it is back', { error: error.message });
    void client.end().catch(() => undefined);
    this.reconnect();
  }

  /**
   * Tries to listen again every second (or every poll, when polls come more often) until it works
   * or the app stops; once back, wakes every stream to read what was committed meanwhile.
   */
  private reconnect(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.listen().then(() => {
        this.logger.info('events: listening for other servers\' changes again');
        this.wakeAll();
      }, () => this.reconnect());
    }, Math.min(this.pollMs, 1000));
    this.retry.unref();
  }
}

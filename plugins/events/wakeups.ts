import pg from 'pg';
import type { Database, Logger } from '../../lib/plugin-api.js';

/** The PostgreSQL channel every committed event is announced on (its payload is the event id). */
export const EVENTS_CHANNEL = 'strata_events';

/**
 * Wakes the open event streams of this process when the log may have grown: after a local commit,
 * on a PostgreSQL NOTIFY from any server on the same database (sent inside the appending
 * transaction, so delivered at commit), and on a slow poll that covers other processes on a SQLite
 * file and a lost LISTEN connection. The log stays the source of truth: a wakeup only says "read".
 */
export class Wakeups {
  private readonly sleepers = new Set<() => void>();
  private client?: pg.Client;
  private poll?: NodeJS.Timeout;
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

  /** Inside an appending transaction: announces event `id` to every server (PostgreSQL), or to this process after commit. */
  async announce(id: string): Promise<void> {
    if (this.database.dialect.name === 'postgresql') await this.database.all('SELECT pg_notify(?, ?)', [EVENTS_CHANNEL, id]);
    else this.database.afterCommit(() => this.wakeAll());
  }

  /** Starts listening (PostgreSQL) and polling. */
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
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.wakeAll());
    client.on('error', (error) => {
      this.logger.warn('events: the LISTEN connection failed; streams poll until it is back', { error: error.message });
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.listen().catch(() => undefined), this.pollMs).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    if (this.stopped) await client.end();
    else this.client = client;
  }
}

import type { AgendaBackend } from 'agenda';
import type { StrataNotificationChannel } from './notifications.js';
import type { SqlJobRepository } from './repository.js';

/**
 * The Agenda backend of the jobs plugin: the queue in Strata's own database (SQLite or
 * PostgreSQL), plus the channel that wakes workers when a job is queued. It does not own the
 * connection: bootstrap opens the database and `strata.close()` closes it.
 */
export class StrataAgendaBackend implements AgendaBackend {
  readonly ownsConnection = false;

  constructor(readonly name: string, readonly repository: SqlJobRepository, readonly notificationChannel: StrataNotificationChannel) {}

  connect(): Promise<void> {
    return this.repository.connect();
  }

  async disconnect(): Promise<void> {}
}

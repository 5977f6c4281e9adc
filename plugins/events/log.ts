import { StrataError, type Change, type Database, type Row, type StrataEvent } from '../../lib/plugin-api.js';
import { EVENTS_CHANNEL, EVENTS_TABLE } from './schema.js';

const TABLE = `"${EVENTS_TABLE}"`;
/** The PostgreSQL advisory lock that makes change-log ids commit in the order they were taken. */
const APPEND_LOCK = 0x5354_5241;

/** Which events a read of the log returns (every member optional). */
export interface EventQuery {
  /** Only events after this sequence id (exclusive). */
  readonly after?: bigint;
  readonly resource?: string;
  readonly types?: readonly string[];
  readonly resourceId?: string;
  readonly by?: string;
  /** ISO-8601 bounds on `at` (inclusive). */
  readonly since?: string;
  readonly until?: string;
}

/**
 * The durable change log (`strata_events`): one row per committed change, appended inside the
 * transaction that stores the change, so an event exists exactly when its change committed.
 * Sequence ids grow in commit order: SQLite has one writer at a time, and on PostgreSQL each append
 * takes a transaction-scoped advisory lock, so a later id never commits before an earlier one and a
 * reader that resumes after id n can miss nothing.
 */
export class EventLog {
  constructor(private readonly database: Database) {}

  /** Appends the event of `change` (call it inside the change's transaction) and returns it with its id. */
  async append(change: Change): Promise<StrataEvent> {
    // PostgreSQL: one round trip takes the lock and queues the NOTIFY that wakes every server's
    // streams; PostgreSQL sends it at commit, once per transaction however many events it holds.
    if (this.database.dialect.name === 'postgresql') await this.database.all('SELECT pg_advisory_xact_lock(?), pg_notify(?, ?)', [APPEND_LOCK, EVENTS_CHANNEL, '']);
    const resource = change.model.names.path;
    const rows = await this.database.all(
      `INSERT INTO ${TABLE} ("type", "resource", "resource_id", "revision", "at", "by", "data") VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      [change.type, resource, change.id, change.revision, change.at, change.by, change.data === null ? null : JSON.stringify(change.data)],
    );
    return {
      id: String(rows[0].id), type: change.type, resource, resourceId: change.id, revision: change.revision,
      at: change.at, by: change.by, data: change.data,
    };
  }

  /** Up to `limit` events matching `query`, oldest first. */
  async read(query: EventQuery, limit: number): Promise<StrataEvent[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (sql: string, ...values: unknown[]) => {
      conditions.push(sql);
      params.push(...values);
    };
    if (query.after !== undefined) where('"id" > ?', query.after.toString());
    if (query.resource !== undefined) where('"resource" = ?', query.resource);
    if (query.types !== undefined && query.types.length > 0) where(`"type" IN (${query.types.map(() => '?').join(', ')})`, ...query.types);
    if (query.resourceId !== undefined) where('"resource_id" = ?', query.resourceId);
    if (query.by !== undefined) where('"by" = ?', query.by);
    if (query.since !== undefined) where('"at" >= ?', query.since);
    if (query.until !== undefined) where('"at" <= ?', query.until);
    const rows = await this.database.all(
      `SELECT * FROM ${TABLE}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY "id" LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toEvent);
  }

  /** The id of the latest event (0 when the log is empty): a stream that starts now reads after it. */
  async latestId(): Promise<bigint> {
    const rows = await this.database.all(`SELECT MAX("id") AS "id" FROM ${TABLE}`);
    return rows[0]?.id === null || rows[0]?.id === undefined ? 0n : BigInt(String(rows[0].id));
  }

  /** Deletes the events older than `before` (ISO-8601); returns how many. */
  prune(before: string): Promise<number> {
    return this.database.run(`DELETE FROM ${TABLE} WHERE "at" < ?`, [before]);
  }
}

/** A sequence id from a client (`Last-Event-ID`, `after`, a cursor): a decimal integer, else a 400. */
export function parseEventId(value: unknown, name: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,18})$/.test(value)) throw StrataError.badQuery(`${name} must be an event id (a decimal integer)`);
  return BigInt(value);
}

function toEvent(row: Row): StrataEvent {
  return {
    id: String(row.id), type: row.type as StrataEvent['type'], resource: String(row.resource), resourceId: String(row.resource_id),
    revision: row.revision === null || row.revision === undefined ? null : Number(row.revision),
    at: String(row.at), by: row.by === null || row.by === undefined ? null : String(row.by),
    data: row.data === null || row.data === undefined ? null : JSON.parse(String(row.data)),
  };
}

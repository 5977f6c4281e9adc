import { StrataError, type Database, type JobLogLevel } from '../../lib/plugin-api.js';
import { JOB_LOGS_TABLE } from './schema.js';

/** One stored log line, as `GET /<jobs>/:id/logs` returns it. */
export interface JobLogLine {
  at: string;
  attempt: number;
  level: JobLogLevel;
  message: string;
}

/** Longest stored log message, in characters; longer ones are cut. */
export const MAX_LOG_MESSAGE = 8000;
const TABLE = `"${JOB_LOGS_TABLE}"`;

/** The `ctx.log()` lines of job resources, in the plugin's own table. */
export class JobLogStore {
  constructor(private readonly database: Database) {}

  /** Stores one line of attempt `attempt` of job `jobId` of resource `resource`. */
  async append(resource: string, jobId: string, attempt: number, level: JobLogLevel, message: string): Promise<void> {
    // PostgreSQL cannot store U+0000 in text: it becomes the replacement character.
    const text = message.length > MAX_LOG_MESSAGE ? `${message.slice(0, MAX_LOG_MESSAGE)}…` : message;
    await this.database.run(`INSERT INTO ${TABLE} ("resource", "job_id", "attempt", "at", "level", "message") VALUES (?, ?, ?, ?, ?, ?)`,
      [resource, jobId, attempt, new Date().toISOString(), level, text.replaceAll('\u0000', '\uFFFD')]);
  }

  /** Up to `limit` lines of a job, oldest first, after `cursor` (the `nextCursor` of the previous page). */
  async page(resource: string, jobId: string, limit: number, cursor?: string): Promise<{ items: JobLogLine[]; nextCursor: string | null }> {
    const after = cursor === undefined ? 0 : decodeCursor(cursor);
    const rows = await this.database.all(`SELECT * FROM ${TABLE} WHERE "resource" = ? AND "job_id" = ? AND "id" > ? ORDER BY "id" LIMIT ?`,
      [resource, jobId, after, limit + 1]);
    const items = rows.slice(0, limit).map((row) => ({ at: String(row.at), attempt: Number(row.attempt), level: row.level as JobLogLevel, message: String(row.message) }));
    const last = rows[limit - 1];
    return { items, nextCursor: rows.length > limit && last ? Buffer.from(`l:${Number(last.id)}`).toString('base64url') : null };
  }

  /** Deletes every line of a job (when it is purged). */
  async remove(resource: string, jobId: string): Promise<void> {
    await this.database.run(`DELETE FROM ${TABLE} WHERE "resource" = ? AND "job_id" = ?`, [resource, jobId]);
  }
}

function decodeCursor(cursor: string): number {
  const match = /^l:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw StrataError.badQuery('cursor is not a job log cursor; pass nextCursor from the previous page');
  return Number(match[1]);
}

import {
  computeJobState, type JobId, type JobParameters, type JobRepository, type JobRepositoryOptions, type JobsOverview,
  type JobsQueryOptions, type JobsResult, type JobWithState, type RemoveJobsOptions,
} from 'agenda';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { StrataError, type Database, type Row } from '../../lib/plugin-api.js';
import { dataMatch, filterOf, millis, orderBy, placeholders, rowToJob, TABLE, uniqueMatch, type QueueJob } from './rows.js';

/** A job resource's queue entry, as the jobs plugin writes it in the resource's own transaction. */
export interface QueueEntry {
  /** `<Resource>:<id>`: one entry per job resource. */
  id: string;
  /** The Agenda job name: the resource name. */
  name: string;
  /** Epoch milliseconds when it is due. */
  runAt: number;
  data: Record<string, unknown>;
}

const ACTIVE = '(("locked_at" IS NULL AND "next_run_at" <= ?) OR "locked_at" <= ?)';

/**
 * Agenda's JobRepository over Strata's database (SQLite or PostgreSQL through MikroORM), so queue
 * writes join the ambient transaction of a resource write. Claims are one atomic UPDATE: SQLite
 * runs it under its single write lock; PostgreSQL picks the row with `FOR UPDATE SKIP LOCKED`, so
 * concurrent workers never wait on, or take, each other's rows. Every claim sets a fresh `claim`
 * token; state writes carrying an older token (a worker whose lock expired) change nothing.
 */
export class SqlJobRepository implements JobRepository {
  constructor(private readonly database: Database) {}

  /** The database is opened by bootstrap; nothing to connect. */
  async connect(): Promise<void> {}

  async getJobById(id: string): Promise<JobParameters | null> {
    const rows = await this.database.all(`SELECT * FROM ${TABLE} WHERE "id" = ?`, [String(id)]);
    return rows[0] ? rowToJob(this.database, rows[0]) : null;
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const filter = filterOf(this.database, { id: options.id, ids: options.ids, name: options.name, names: options.names });
    if (filter) {
      conditions.push(filter.sql);
      params.push(...filter.params);
    }
    if (options.search) {
      conditions.push('LOWER("name") LIKE ?');
      params.push(`%${options.search.toLowerCase()}%`);
    }
    if (options.data !== undefined) {
      const match = dataMatch(this.database, options.data);
      conditions.push(match.sql);
      params.push(...match.params);
    }
    if (options.includeDisabled === false) conditions.push('"disabled" = 0');
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const rows = await this.database.all(`SELECT * FROM ${TABLE}${where} ORDER BY ${orderBy(options.sort)}`, params);
    const now = new Date();
    const jobs = rows.map((row) => this.withState(row, now)).filter((job) => {
      if (!options.state) return true;
      return options.state === 'paused' ? job.disabled === true : job.state === options.state;
    });
    const skip = options.skip ?? 0;
    return { jobs: options.limit ? jobs.slice(skip, skip + options.limit) : jobs.slice(skip), total: jobs.length };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const rows = await this.database.all(`SELECT * FROM ${TABLE} ORDER BY "name"`);
    const now = new Date();
    const overviews = new Map<string, JobsOverview>();
    for (const row of rows) {
      const job = this.withState(row, now);
      let overview = overviews.get(job.name);
      if (!overview) {
        overview = { name: job.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
        overviews.set(job.name, overview);
      }
      overview.total++;
      overview[job.state]++;
      if (job.disabled && job.state !== 'paused') overview.paused++;
    }
    return [...overviews.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    const rows = await this.database.all<{ name: string }>(`SELECT DISTINCT "name" FROM ${TABLE} ORDER BY "name"`);
    return rows.map((row) => row.name);
  }

  async getQueueSize(): Promise<number> {
    const rows = await this.database.all(`SELECT COUNT(*) AS "count" FROM ${TABLE} WHERE "next_run_at" < ?`, [Date.now()]);
    return Number(rows[0]?.count ?? 0);
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const filter = filterOf(this.database, options);
    return filter ? this.database.run(`DELETE FROM ${TABLE} WHERE ${filter.sql}`, filter.params) : 0;
  }

  disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, 1);
  }

  enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, 0);
  }

  purgeAllJobs(): Promise<number> {
    return this.database.run(`DELETE FROM ${TABLE}`);
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    const { _id: id, unique, uniqueOpts, ...props } = job;
    const by = options?.lastModifiedBy ?? null;
    const definition = [props.priority ?? 0, millis(props.nextRunAt), props.type, props.repeatTimezone ?? null,
      props.repeatInterval === undefined ? null : String(props.repeatInterval), JSON.stringify(props.data ?? null), props.repeatAt ?? null,
      props.disabled ? 1 : 0, by];
    const assignments = '"priority" = ?, "next_run_at" = ?, "type" = ?, "repeat_timezone" = ?, "repeat_interval" = ?, "data" = ?, "repeat_at" = ?, "disabled" = ?, "last_modified_by" = ?';
    if (id) {
      const rows = await this.database.all(`UPDATE ${TABLE} SET ${assignments}, "fail_reason" = ?, "fail_count" = ?, "failed_at" = ? WHERE "id" = ? AND "name" = ? RETURNING *`,
        [...definition, props.failReason ?? null, props.failCount ?? null, millis(props.failedAt), String(id), props.name]);
      return rows[0] ? rowToJob<DATA>(this.database, rows[0]) : job;
    }
    if (props.type === 'single') {
      // Upsert by name. The stored next run is kept when the schedule is the same (each worker
      // starting computes "now + interval", so restarts more often than the interval would
      // postpone the run for ever), and when the new one is already past (a run that is due).
      const protect = props.nextRunAt && millis(props.nextRunAt)! <= Date.now();
      const same = (column: string) => `(${TABLE}."${column}" = excluded."${column}" OR (${TABLE}."${column}" IS NULL AND excluded."${column}" IS NULL))`;
      const keep = protect ? 'TRUE' : ['repeat_interval', 'repeat_at', 'repeat_timezone'].map(same).join(' AND ');
      const rows = await this.database.all(`INSERT INTO ${TABLE} ("id", "name", "priority", "next_run_at", "type", "repeat_timezone", "repeat_interval", "data", "repeat_at", "disabled", "last_modified_by")
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("name") WHERE "type" = 'single' DO UPDATE SET "priority" = excluded."priority",
        "next_run_at" = CASE WHEN ${TABLE}."next_run_at" IS NOT NULL AND ${keep} THEN ${TABLE}."next_run_at" ELSE excluded."next_run_at" END, "repeat_timezone" = excluded."repeat_timezone",
        "repeat_interval" = excluded."repeat_interval", "data" = excluded."data", "repeat_at" = excluded."repeat_at", "disabled" = excluded."disabled",
        "last_modified_by" = excluded."last_modified_by" RETURNING *`, [uuidv7(), props.name, ...definition]);
      return rowToJob<DATA>(this.database, rows[0]);
    }
    if (unique) {
      const saved = await this.saveUnique(job, unique, uniqueOpts, definition, assignments);
      if (saved) return rowToJob<DATA>(this.database, saved);
    }
    const debounceStartedAt = unique && uniqueOpts?.debounce ? Date.now() : null;
    const nextRunAt = debounceStartedAt !== null && uniqueOpts?.debounce?.strategy !== 'leading' ? debounceStartedAt + uniqueOpts!.debounce!.delay : definition[1];
    return rowToJob<DATA>(this.database, (await this.insert(props.name, [definition[0], nextRunAt, ...definition.slice(2)], debounceStartedAt))[0]);
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new StrataError('INTERNAL', 'Cannot save job state without job ID');
    const { sql, params } = this.claimGuard(job);
    const changed = await this.database.run(`UPDATE ${TABLE} SET "locked_at" = ?, "next_run_at" = ?, "last_run_at" = ?, "progress" = ?, "fail_reason" = ?,
      "fail_count" = ?, "failed_at" = ?, "last_finished_at" = ?, "last_modified_by" = ? WHERE "id" = ? AND "name" = ?${sql}`,
    [millis(job.lockedAt), millis(job.nextRunAt), millis(job.lastRunAt), job.progress ?? null, job.failReason ?? null, job.failCount ?? null,
      millis(job.failedAt), millis(job.lastFinishedAt), options?.lastModifiedBy ?? null, String(job._id), job.name, ...params]);
    if (changed !== 1) throw StrataError.conflict(`job ${job._id} (${job.name}) cannot be updated: it was removed, or claimed again after its lock expired`);
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const rows = await this.database.all(`UPDATE ${TABLE} SET "locked_at" = ?, "claim" = ?, "last_modified_by" = ?
      WHERE "id" = ? AND "name" = ? AND "locked_at" IS NULL AND "next_run_at" = ? AND "disabled" = 0 RETURNING *`,
    [Date.now(), randomUUID(), options?.lastModifiedBy ?? null, String(job._id), job.name, millis(job.nextRunAt)]);
    return rows[0] ? rowToJob(this.database, rows[0]) : undefined;
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    const { sql, params } = this.claimGuard(job);
    try {
      // A job whose next run is null is running (Agenda cleared it when it started): its lock stays.
      await this.database.run(`UPDATE ${TABLE} SET "locked_at" = NULL WHERE "id" = ? AND "next_run_at" IS NOT NULL${sql}`, [String(job._id), ...params]);
    } catch {
      // Agenda calls this without awaiting it: a rejection would be unhandled and end the process.
      // The lock then simply expires after its lifetime.
    }
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.database.run(`UPDATE ${TABLE} SET "locked_at" = NULL WHERE "id" IN (${placeholders(jobIds)}) AND "next_run_at" IS NOT NULL`, jobIds.map(String));
  }

  async getNextJobToRun(jobName: string, nextScanAt: Date, lockDeadline: Date, now: Date | undefined, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    const skipLocked = this.database.dialect.name === 'postgresql' ? ' FOR UPDATE SKIP LOCKED' : '';
    const window = [nextScanAt.getTime(), lockDeadline.getTime()];
    // A job whose lock expired (its worker died) goes first; then due jobs by next run and priority,
    // read in index order, so a claim costs the same with ten or a hundred thousand jobs queued.
    const rows = await this.database.all(`UPDATE ${TABLE} SET "locked_at" = ?, "claim" = ?, "last_modified_by" = ?
      WHERE "id" = COALESCE(
        (SELECT "id" FROM ${TABLE} WHERE "locked_at" <= ? AND "name" = ? AND "disabled" = 0 ORDER BY "locked_at" LIMIT 1${skipLocked}),
        (SELECT "id" FROM ${TABLE} WHERE "name" = ? AND "next_run_at" <= ? AND "locked_at" IS NULL AND "disabled" = 0 ORDER BY "next_run_at", "priority" DESC LIMIT 1${skipLocked}))
      AND ${ACTIVE} RETURNING *`,
    [(now ?? new Date()).getTime(), randomUUID(), options?.lastModifiedBy ?? null, lockDeadline.getTime(), jobName, jobName, nextScanAt.getTime(), ...window]);
    return rows[0] ? rowToJob(this.database, rows[0]) : undefined;
  }

  /**
   * Queues a job resource (in the caller's transaction): a new entry, or an existing one reset to
   * run again at `runAt`, unlocked and unclaimed, so an older worker's writes are refused.
   */
  async enqueue(entry: QueueEntry): Promise<void> {
    await this.database.run(`INSERT INTO ${TABLE} ("id", "name", "type", "priority", "next_run_at", "data", "disabled")
      VALUES (?, ?, 'normal', 0, ?, ?, 0) ON CONFLICT ("id") DO UPDATE SET "next_run_at" = excluded."next_run_at", "locked_at" = NULL,
      "claim" = NULL, "data" = excluded."data", "disabled" = 0, "fail_count" = NULL, "fail_reason" = NULL, "failed_at" = NULL,
      "last_run_at" = NULL, "last_finished_at" = NULL, "progress" = NULL`, [entry.id, entry.name, entry.runAt, JSON.stringify(entry.data)]);
  }

  /** Removes a queue entry (a cancelled, deleted or finished job); with `claim`, only while that claim holds it. */
  async dequeue(id: string, claim?: string): Promise<boolean> {
    const guard = claim === undefined ? '' : ' AND "claim" = ?';
    return (await this.database.run(`DELETE FROM ${TABLE} WHERE "id" = ?${guard}`, claim === undefined ? [id] : [id, claim])) === 1;
  }

  /** Moves a claimed entry's next run (a retry's backoff) while `claim` holds it. */
  async reschedule(id: string, claim: string, runAt: number): Promise<boolean> {
    return (await this.database.run(`UPDATE ${TABLE} SET "next_run_at" = ? WHERE "id" = ? AND "claim" = ?`, [runAt, id, claim])) === 1;
  }

  /** Deletes the entries of jobs that finished (unlocked, nothing to run) before `before`: Agenda leaves them behind. */
  sweep(before: number): Promise<number> {
    return this.database.run(`DELETE FROM ${TABLE} WHERE "type" = 'normal' AND "next_run_at" IS NULL AND "locked_at" IS NULL AND "last_finished_at" < ?`, [before]);
  }

  /** The claim token holding an entry (null when unclaimed), or undefined when the entry is gone (cancelled, deleted). */
  async claimOf(id: string): Promise<string | null | undefined> {
    const rows = await this.database.all(`SELECT "claim" FROM ${TABLE} WHERE "id" = ?`, [id]);
    return rows[0] ? (rows[0].claim as string | null) ?? null : undefined;
  }

  private withState(row: Row, now: Date): JobWithState {
    const job = rowToJob(this.database, row);
    return { ...job, _id: job._id!, state: computeJobState(job, now) };
  }

  private claimGuard(job: QueueJob): { sql: string; params: unknown[] } {
    return job.claim === undefined ? { sql: '', params: [] } : { sql: ' AND "claim" = ?', params: [job.claim] };
  }

  private setDisabled(options: RemoveJobsOptions, disabled: 0 | 1): Promise<number> {
    const filter = filterOf(this.database, options);
    return filter ? this.database.run(`UPDATE ${TABLE} SET "disabled" = ? WHERE ${filter.sql}`, [disabled, ...filter.params]) : Promise.resolve(0);
  }

  private insert(name: string, definition: unknown[], debounceStartedAt: number | null): Promise<Row[]> {
    return this.database.all(`INSERT INTO ${TABLE} ("id", "name", "priority", "next_run_at", "type", "repeat_timezone", "repeat_interval", "data", "repeat_at", "disabled", "last_modified_by", "debounce_started_at")
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`, [uuidv7(), name, ...definition, debounceStartedAt]);
  }

  /**
   * A save with a unique key: the matching row is returned as is (`insertOnly`), debounced, or
   * updated; undefined when none matches (the caller inserts). One transaction, so SQLite's write
   * lock makes find-then-write atomic.
   */
  private saveUnique(job: JobParameters, unique: Record<string, unknown>, uniqueOpts: JobParameters['uniqueOpts'], definition: unknown[], assignments: string): Promise<Row | undefined> {
    return this.database.transaction(async () => {
      const match = uniqueMatch(this.database, { name: job.name, ...unique });
      const [existing] = await this.database.all(`SELECT * FROM ${TABLE} WHERE ${match.sql} LIMIT 1`, match.params);
      if (!existing) return undefined;
      const debounce = uniqueOpts?.debounce;
      if (uniqueOpts?.insertOnly && !debounce) return existing;
      let nextRunAt = definition[1];
      let debounceStartedAt: number | null = null;
      if (debounce) {
        const now = Date.now();
        const started = existing.debounce_started_at === null || existing.debounce_started_at === undefined ? now : Number(existing.debounce_started_at);
        if (debounce.strategy === 'leading') [nextRunAt, debounceStartedAt] = [existing.next_run_at === null ? null : Number(existing.next_run_at), started];
        else if (debounce.maxWait !== undefined && now - started >= debounce.maxWait) [nextRunAt, debounceStartedAt] = [now, null];
        else [nextRunAt, debounceStartedAt] = [now + debounce.delay, started];
      }
      const values = [definition[0], nextRunAt, ...definition.slice(2)];
      const [updated] = await this.database.all(`UPDATE ${TABLE} SET ${assignments}, "debounce_started_at" = ? WHERE "id" = ? RETURNING *`, [...values, debounceStartedAt, existing.id]);
      return updated;
    });
  }
}

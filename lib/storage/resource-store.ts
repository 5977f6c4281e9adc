import { normalizeIndexValue } from '../metadata/normalize.js';
import type { ResourceModel } from '../metadata/model.js';
import type { StoredRevision, StoredState } from './rows.js';
import type { Database, Row } from './database.js';
import { JOB_COLUMNS, JOB_COLUMN_NAMES, jobColumnValues } from './job-columns.js';
import { REVISIONS_TABLE, SYSTEM_COLUMNS as C } from './schema.js';

/** Conditions to evaluate on a current-state row: SQL expressions over alias `t`, with their bound values in order. */
export interface RowTests {
  readonly expressions: readonly string[];
  readonly params: readonly unknown[];
}

function testColumns(tests: RowTests): string {
  return tests.expressions.map((expression, index) => `, CASE WHEN ${expression} THEN 1 ELSE 0 END AS "_test${index}"`).join('');
}

function testResults(row: Row, tests: RowTests): boolean[] {
  return tests.expressions.map((_, index) => Number(row[`_test${index}`]) === 1);
}

/**
 * The SQL of one resource's rows: its current-state row and its revisions. Every statement is
 * parameterized; identifiers come from the model, never from a request.
 */
export class ResourceStore {
  private readonly table: string;
  private readonly stateColumns: string[];
  private readonly insertStateSql: string;
  private readonly updateStateSql: string;

  constructor(private readonly database: Database, private readonly model: ResourceModel) {
    this.table = `"${model.names.table}"`;
    const fieldColumns = model.indexedFields.map((field) => field.column!);
    this.stateColumns = ['id', C.revision, C.revisionCount, C.status, C.hash, C.schemaVersion, C.version, C.deletedAt,
      C.deletedBy, C.createdAt, C.createdBy, C.updatedAt, C.updatedBy, C.data, C.indexedVersion, ...fieldColumns,
      ...(model.job ? JOB_COLUMN_NAMES : [])];
    const quoted = this.stateColumns.map((column) => `"${column}"`);
    this.insertStateSql = `INSERT INTO ${this.table} (${quoted.join(', ')}) VALUES (${quoted.map(() => '?').join(', ')})`;
    this.updateStateSql = `UPDATE ${this.table} SET ${quoted.slice(1).map((column) => `${column} = ?`).join(', ')} WHERE "id" = ? AND "${C.version}" = ?`;
  }

  /** The current state of `id`, or undefined. `forUpdate` locks the row until the transaction ends. */
  async findState(id: string, forUpdate?: boolean): Promise<StoredState | undefined>;
  /** … and whether the row passes each of `tests` (compiled conditions over the row, alias `t`), read in the same query. */
  async findState(id: string, forUpdate: boolean, tests: RowTests): Promise<{ state: StoredState; tests: boolean[] } | undefined>;
  async findState(id: string, forUpdate = false, tests?: RowTests): Promise<StoredState | { state: StoredState; tests: boolean[] } | undefined> {
    const lock = forUpdate ? this.database.dialect.lockForUpdate : '';
    if (!tests) {
      const rows = await this.database.all(`SELECT * FROM ${this.table} WHERE "id" = ?${lock}`, [id]);
      return rows[0] && this.stateFromRow(rows[0]);
    }
    const rows = await this.database.all(`SELECT t.*${testColumns(tests)} FROM ${this.table} t WHERE t."id" = ?${lock}`, [...tests.params, id]);
    return rows[0] && { state: this.stateFromRow(rows[0]), tests: testResults(rows[0], tests) };
  }

  /** For each of `ids` that exists, whether its row passes each of `tests`; one query per 500 ids. */
  async testStates(ids: readonly string[], tests: RowTests): Promise<Map<string, boolean[]>> {
    const results = new Map<string, boolean[]>();
    for (const chunk of chunks(ids)) {
      const rows = await this.database.all(`SELECT t."id"${testColumns(tests)} FROM ${this.table} t WHERE t."id" IN (${placeholders(chunk)})`, [...tests.params, ...chunk]);
      for (const row of rows) results.set(String(row.id), testResults(row, tests));
    }
    return results;
  }

  /**
   * For each of `ids` that exists, when it was soft-deleted (null while it is live); ids that do not
   * exist are missing from the map. Reads no data, one query per 500 ids.
   */
  async deletedAtOf(ids: readonly string[]): Promise<Map<string, string | null>> {
    const deletedAt = new Map<string, string | null>();
    for (const chunk of chunks(ids)) {
      const rows = await this.database.all(`SELECT "id", "${C.deletedAt}" FROM ${this.table} WHERE "id" IN (${placeholders(chunk)})`, chunk);
      for (const row of rows) deletedAt.set(String(row.id), (row[C.deletedAt] as string | null) ?? null);
    }
    return deletedAt;
  }

  /** Turns a current-state row (as a query returned it) into a StoredState. */
  stateFromRow(row: Row): StoredState {
    return {
      id: String(row.id),
      revision: Number(row[C.revision]),
      revisionCount: Number(row[C.revisionCount]),
      status: row[C.status] as StoredState['status'],
      hash: String(row[C.hash]),
      schemaVersion: Number(row[C.schemaVersion]),
      version: Number(row[C.version]),
      deletedAt: (row[C.deletedAt] as string | null) ?? null,
      deletedBy: (row[C.deletedBy] as string | null) ?? null,
      createdAt: String(row[C.createdAt]),
      createdBy: (row[C.createdBy] as string | null) ?? null,
      updatedAt: String(row[C.updatedAt]),
      updatedBy: (row[C.updatedBy] as string | null) ?? null,
      data: this.withLiveProgress(this.database.dialect.parseJson(row[C.data]), row),
    };
  }

  /** A job's `_job.progress` is the progress column, which `ctx.progress(n)` changes without a revision. */
  private withLiveProgress(data: Record<string, unknown>, row: Row): Record<string, unknown> {
    const progress = row[JOB_COLUMNS.progress];
    if (!this.model.job || !data._job || progress === null || progress === undefined) return data;
    return { ...data, _job: { ...(data._job as object), progress: Number(progress) } };
  }

  /**
   * Sets `_job.progress` of a running job's current attempt in place (no revision; the ETag changes
   * through the row version). False when the job is not running that attempt any more.
   */
  async updateJobProgress(id: string, attempt: { attempts: number; startedAt: string | null }, progress: number): Promise<boolean> {
    const changed = await this.database.run(
      `UPDATE ${this.table} SET "${JOB_COLUMNS.progress}" = ?, "${C.version}" = "${C.version}" + 1 WHERE "id" = ? AND "${JOB_COLUMNS.status}" = 'running'`
      + ` AND "${JOB_COLUMNS.attempts}" = ? AND "${JOB_COLUMNS.startedAt}" = ? AND "${C.deletedAt}" IS NULL`,
      [progress, id, attempt.attempts, attempt.startedAt]);
    return changed === 1;
  }

  /** Inserts a new current-state row. `indexData` is the data (upgraded to the model's schema version) the field columns are taken from. */
  async insertState(state: StoredState, indexData: Record<string, unknown>): Promise<void> {
    await this.database.run(this.insertStateSql, this.stateValues(state, indexData));
  }

  /** Replaces the current-state row if nobody changed it since `expectedVersion`; false when somebody did. */
  async updateState(state: StoredState, indexData: Record<string, unknown>, expectedVersion: number): Promise<boolean> {
    const values = this.stateValues(state, indexData).slice(1);
    return (await this.database.run(this.updateStateSql, [...values, state.id, expectedVersion])) === 1;
  }

  private stateValues(state: StoredState, indexData: Record<string, unknown>): unknown[] {
    const dialect = this.database.dialect;
    return [
      state.id, state.revision, state.revisionCount, state.status, state.hash, state.schemaVersion, state.version,
      state.deletedAt, state.deletedBy, state.createdAt, state.createdBy, state.updatedAt, state.updatedBy,
      JSON.stringify(state.data), this.model.versioning.schemaVersion,
      ...this.model.indexedFields.map((field) => dialect.toDatabase(normalizeIndexValue(field.normalize, indexData[field.name] ?? null))),
      ...(this.model.job ? jobColumnValues(state.data) : []),
    ];
  }

  /** Up to `limit` rows whose field columns were computed at an older schema version (or never), in id order after `after`. */
  async staleIndexRows(after: string, limit: number): Promise<StoredState[]> {
    const rows = await this.database.all(
      `SELECT * FROM ${this.table} WHERE COALESCE("${C.indexedVersion}", "${C.schemaVersion}") < ? AND "id" > ? ORDER BY "id" LIMIT ?`,
      [this.model.versioning.schemaVersion, after, limit]);
    return rows.map((row) => this.stateFromRow(row));
  }

  /** Recomputes the field columns of `id` from `indexData` (its data upgraded to the model's schema version). */
  async reindex(id: string, indexData: Record<string, unknown>): Promise<void> {
    const dialect = this.database.dialect;
    const fields = this.model.indexedFields;
    await this.database.run(
      `UPDATE ${this.table} SET ${[C.indexedVersion, ...fields.map((field) => field.column!)].map((column) => `"${column}" = ?`).join(', ')} WHERE "id" = ?`,
      [this.model.versioning.schemaVersion, ...fields.map((field) => dialect.toDatabase(normalizeIndexValue(field.normalize, indexData[field.name] ?? null))), id]);
  }

  /** Deletes the current-state row and every revision of `id`. */
  async purge(id: string): Promise<void> {
    await this.database.run(`DELETE FROM "${REVISIONS_TABLE}" WHERE "resource" = ? AND "id" = ?`, [this.model.name, id]);
    await this.database.run(`DELETE FROM ${this.table} WHERE "id" = ?`, [id]);
  }

  /** Stores a new revision. */
  async insertRevision(revision: StoredRevision): Promise<void> {
    await this.database.run(
      `INSERT INTO "${REVISIONS_TABLE}" ("resource", "id", "n", "parent", "status", "hash", "schema_version", "data", "created_at", "created_by") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [this.model.name, revision.id, revision.n, revision.parent, revision.status, revision.hash, revision.schemaVersion,
        JSON.stringify(revision.data), revision.createdAt, revision.createdBy]);
  }

  /** Changes a draft revision in place (the database refuses this for stable ones). */
  async updateDraft(revision: StoredRevision): Promise<void> {
    await this.database.run(
      `UPDATE "${REVISIONS_TABLE}" SET "hash" = ?, "schema_version" = ?, "data" = ?, "created_at" = ?, "created_by" = ? WHERE "resource" = ? AND "id" = ? AND "n" = ? AND "status" = 'draft'`,
      [revision.hash, revision.schemaVersion, JSON.stringify(revision.data), revision.createdAt, revision.createdBy, this.model.name, revision.id, revision.n]);
  }

  /** Makes draft revision `n` stable. */
  async publishRevision(id: string, n: number): Promise<void> {
    await this.database.run(`UPDATE "${REVISIONS_TABLE}" SET "status" = 'stable' WHERE "resource" = ? AND "id" = ? AND "n" = ? AND "status" = 'draft'`,
      [this.model.name, id, n]);
  }

  /** Revision `n` of `id`, or undefined. */
  async findRevision(id: string, n: number): Promise<StoredRevision | undefined> {
    const rows = await this.database.all(`SELECT * FROM "${REVISIONS_TABLE}" WHERE "resource" = ? AND "id" = ? AND "n" = ?`, [this.model.name, id, n]);
    return rows[0] && this.revisionFromRow(rows[0]);
  }

  /** Up to `limit` revisions of `id` numbered above `after`, oldest first. */
  async listRevisions(id: string, after: number, limit: number): Promise<StoredRevision[]> {
    const rows = await this.database.all(
      `SELECT * FROM "${REVISIONS_TABLE}" WHERE "resource" = ? AND "id" = ? AND "n" > ? ORDER BY "n" LIMIT ?`,
      [this.model.name, id, after, limit]);
    return rows.map((row) => this.revisionFromRow(row));
  }

  /**
   * Up to `limit` revisions numbered above `after` of each of `ids`, oldest first, grouped by id:
   * what `listRevisions` returns for each, in one query per 500 ids.
   */
  async listRevisionsOfMany(ids: readonly string[], after: number, limit: number): Promise<Map<string, StoredRevision[]>> {
    const byId = new Map<string, StoredRevision[]>(ids.map((id) => [id, []]));
    for (const chunk of chunks(ids)) {
      const rows = await this.database.all(
        `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "n") AS "strata_rank" FROM "${REVISIONS_TABLE}"`
        + ` WHERE "resource" = ? AND "id" IN (${placeholders(chunk)}) AND "n" > ?) AS "ranked" WHERE "strata_rank" <= ? ORDER BY "id", "n"`,
        [this.model.name, ...chunk, after, limit]);
      for (const row of rows) byId.get(String(row.id))?.push(this.revisionFromRow(row));
    }
    return byId;
  }

  /** Every revision of `id`, oldest first (for export). */
  async allRevisions(id: string): Promise<StoredRevision[]> {
    const rows = await this.database.all(`SELECT * FROM "${REVISIONS_TABLE}" WHERE "resource" = ? AND "id" = ? ORDER BY "n"`, [this.model.name, id]);
    return rows.map((row) => this.revisionFromRow(row));
  }

  /** Deletes revisions numbered `upTo` or lower, except `keep` (the current one). */
  async pruneRevisions(id: string, upTo: number, keep: number): Promise<void> {
    await this.database.run(`DELETE FROM "${REVISIONS_TABLE}" WHERE "resource" = ? AND "id" = ? AND "n" <= ? AND "n" <> ?`,
      [this.model.name, id, upTo, keep]);
  }

  /** Up to `limit` current states (deleted ones too) in creation order, after `after`. */
  async pageAll(after: { createdAt: string; id: string } | undefined, limit: number): Promise<StoredState[]> {
    const keyset = after ? `WHERE ("${C.createdAt}" > ? OR ("${C.createdAt}" = ? AND "id" > ?))` : '';
    const rows = await this.database.all(`SELECT * FROM ${this.table} ${keyset} ORDER BY "${C.createdAt}", "id" LIMIT ?`,
      after ? [after.createdAt, after.createdAt, after.id, limit] : [limit]);
    return rows.map((row) => this.stateFromRow(row));
  }

  /** Runs a compiled search and returns the matching current-state rows. */
  search(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.database.all(sql, params);
  }

  /** Ids of live resources whose `column` equals `value` (used by reference checks). */
  async idsWhere(column: string, value: string): Promise<string[]> {
    const rows = await this.database.all(`SELECT "id" FROM ${this.table} WHERE "${column}" = ? AND "${C.deletedAt}" IS NULL`, [value]);
    return rows.map((row) => String(row.id));
  }

  /** Live resources whose `column` holds one of `values`: `[id, value]` pairs, one query per 500 values. */
  async liveHolders(column: string, values: readonly unknown[]): Promise<[string, unknown][]> {
    const holders: [string, unknown][] = [];
    for (const chunk of chunks(values as string[])) {
      const rows = await this.database.all(`SELECT "id", "${column}" AS "value" FROM ${this.table} WHERE "${column}" IN (${placeholders(chunk)}) AND "${C.deletedAt}" IS NULL`,
        chunk.map((value) => this.database.dialect.toDatabase(value)));
      for (const row of rows) holders.push([String(row.id), row.value]);
    }
    return holders;
  }

  private revisionFromRow(row: Row): StoredRevision {
    return {
      id: String(row.id),
      n: Number(row.n),
      parent: row.parent === null || row.parent === undefined ? null : Number(row.parent),
      status: row.status as StoredRevision['status'],
      hash: String(row.hash),
      schemaVersion: Number(row.schema_version),
      data: this.database.dialect.parseJson(row.data),
      createdAt: String(row.created_at),
      createdBy: (row.created_by as string | null) ?? null,
    };
  }
}

/** Ids bound per statement: well below SQLite's and PostgreSQL's limits on bound parameters. */
const IDS_PER_STATEMENT = 500;

function chunks(ids: readonly string[]): string[][] {
  const result: string[][] = [];
  for (let start = 0; start < ids.length; start += IDS_PER_STATEMENT) result.push(ids.slice(start, start + IDS_PER_STATEMENT));
  return result;
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

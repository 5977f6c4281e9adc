import type { ResourceModel } from '../metadata/model.js';
import type { RevisionStatus } from '../metadata/views.js';
import type { Database, Row } from './database.js';
import type { StoredRevision, StoredState } from './rows.js';
import { HISTORY_TABLE, REVISIONS_TABLE, SYSTEM_COLUMNS as C } from './schema.js';

/**
 * One change of a resource's current-state row (docs/history.md): which revision was current after
 * it, whether the resource was deleted, who made it and when. Revisions say what the data was;
 * these rows say when each was current, which switches, deletes and restores do not leave in the
 * revisions table.
 */
export interface HistoryEntry {
  id: string;
  /** The row version after the change (`StoredState.version`): orders the changes of one resource. */
  version: number;
  at: string;
  by: string | null;
  /** The change type (`created`, `updated`, `deleted`, `reverted` …). */
  type: string;
  revision: number;
  revisionCount: number;
  status: RevisionStatus;
  deleted: boolean;
}

/** A resource as it was at one moment: the change then current and the data of its revision (undefined once pruned). */
export interface StateAt {
  entry: HistoryEntry;
  revision?: StoredRevision;
}

/**
 * The SQL of one resource's history rows. Every change of a current-state row writes one, in the
 * transaction of the change; purge removes them with the rest.
 */
export class HistoryStore {
  constructor(private readonly database: Database, private readonly model: ResourceModel) {}

  /** Records the state `state` is in after a change of type `type`. */
  async record(state: StoredState, type: string): Promise<void> {
    await this.insert({
      id: state.id, version: state.version, at: state.deletedAt !== null && type === 'deleted' ? state.deletedAt : state.updatedAt,
      by: type === 'deleted' ? state.deletedBy : state.updatedBy, type, revision: state.revision, revisionCount: state.revisionCount,
      status: state.status, deleted: state.deletedAt !== null,
    });
  }

  /**
   * Records an imported resource's past as well as it can be told from its revisions: each revision
   * current from its creation on (numbered versions below the state's), then the state as imported.
   */
  async recordImported(state: StoredState, revisions: readonly StoredRevision[]): Promise<void> {
    const ordered = [...revisions].sort((left, right) => left.createdAt.localeCompare(right.createdAt) || left.n - right.n);
    const steps = ordered.length + 1;
    for (const [index, revision] of ordered.entries()) {
      await this.insert({ id: state.id, version: state.version - steps + index + 1, at: revision.createdAt, by: revision.createdBy,
        type: index === 0 ? 'created' : 'updated', revision: revision.n, revisionCount: revision.n, status: revision.status, deleted: false });
    }
    const last = ordered[ordered.length - 1];
    const at = state.deletedAt ?? (last && last.createdAt > state.updatedAt ? last.createdAt : state.updatedAt);
    await this.insert({ id: state.id, version: state.version, at, by: state.deletedAt !== null ? state.deletedBy : state.updatedBy,
      type: state.deletedAt !== null ? 'deleted' : 'updated', revision: state.revision, revisionCount: state.revisionCount, status: state.status,
      deleted: state.deletedAt !== null });
  }

  private async insert(entry: HistoryEntry): Promise<void> {
    await this.database.run(
      `INSERT INTO "${HISTORY_TABLE}" ("resource", "id", "version", "at", "by", "type", "revision", "revision_count", "status", "deleted") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [this.model.name, entry.id, entry.version, entry.at, entry.by, entry.type, entry.revision, entry.revisionCount, entry.status, entry.deleted ? 1 : 0]);
  }

  /** Removes every history row of `id` (purge). */
  async purge(id: string): Promise<void> {
    await this.database.run(`DELETE FROM "${HISTORY_TABLE}" WHERE "resource" = ? AND "id" = ?`, [this.model.name, id]);
  }

  /**
   * The change of `id` current at `at` (the last one made then or before; strictly before when not
   * `inclusive`) with its revision; undefined before the first. One indexed query.
   */
  async stateAt(id: string, at: string, inclusive: boolean): Promise<StateAt | undefined> {
    const rows = await this.database.all(
      `SELECT h.*, r."n" AS "r_n", r."parent" AS "r_parent", r."status" AS "r_status", r."hash" AS "r_hash", r."schema_version" AS "r_schema_version",`
      + ` r."data" AS "r_data", r."created_at" AS "r_created_at", r."created_by" AS "r_created_by"`
      + ` FROM "${HISTORY_TABLE}" h LEFT JOIN "${REVISIONS_TABLE}" r ON r."resource" = h."resource" AND r."id" = h."id" AND r."n" = h."revision"`
      + ` WHERE h."resource" = ? AND h."id" = ? AND h."at" ${inclusive ? '<=' : '<'} ? ORDER BY h."at" DESC, h."version" DESC LIMIT 1`,
      [this.model.name, id, at]);
    const row = rows[0];
    if (!row) return undefined;
    const entry = entryFromRow(row);
    if (row.r_n === null || row.r_n === undefined) return { entry };
    return {
      entry,
      revision: {
        id, n: Number(row.r_n), parent: row.r_parent === null ? null : Number(row.r_parent), status: row.r_status as RevisionStatus,
        hash: String(row.r_hash), schemaVersion: Number(row.r_schema_version), data: this.database.dialect.parseJson(row.r_data),
        createdAt: String(row.r_created_at), createdBy: (row.r_created_by as string | null) ?? null,
      },
    };
  }

  /** Every change made in `[since, until)` (to the end when `until` is undefined), oldest first per resource, at most `limit`. */
  async changesBetween(since: string, until: string | undefined, limit: number): Promise<HistoryEntry[]> {
    const rows = await this.database.all(
      `SELECT * FROM "${HISTORY_TABLE}" WHERE "resource" = ? AND "at" >= ?${until === undefined ? '' : ' AND "at" < ?'} ORDER BY "id", "version" LIMIT ?`,
      [this.model.name, since, ...(until === undefined ? [] : [until]), limit]);
    return rows.map(entryFromRow);
  }

  /** The changes of `ids` made at `since` or later (for a window revert's plan), oldest first, grouped by id. */
  async changesOfSince(ids: readonly string[], since: string): Promise<Map<string, HistoryEntry[]>> {
    const byId = new Map<string, HistoryEntry[]>(ids.map((id) => [id, []]));
    for (let start = 0; start < ids.length; start += 500) {
      const chunk = ids.slice(start, start + 500);
      const rows = await this.database.all(
        `SELECT * FROM "${HISTORY_TABLE}" WHERE "resource" = ? AND "id" IN (${chunk.map(() => '?').join(', ')}) AND "at" >= ? ORDER BY "id", "version"`,
        [this.model.name, ...chunk, since]);
      for (const row of rows) byId.get(String(row.id))?.push(entryFromRow(row));
    }
    return byId;
  }

  /**
   * A derived table with the columns of the current-state table holding every resource as it was
   * at `at` (deleted ones with `_deleted_at` set), for the query compiler to search instead of the
   * table. Field columns are read from the revision's JSON, so filters and sorts on it scan: no
   * index covers a past state. `scope` (SQL over the current row, alias `t`) limits the resources.
   */
  asOfSource(at: string, scope?: { sql: string; params: readonly unknown[] }): { sql: string; params: unknown[] } {
    const dialect = this.database.dialect;
    const table = `"${this.model.names.table}"`;
    const fieldColumns = this.model.indexedFields.map((field) => {
      const extract = dialect.name === 'sqlite'
        ? `json_extract(r."data", '$.${field.name}')`
        : `(r."data"->>'${field.name}')::${dialect.columnType(field.type.kind)}`;
      return `${extract} AS "${field.column}"`;
    });
    const latest = `SELECT h.*, ROW_NUMBER() OVER (PARTITION BY h."id" ORDER BY h."at" DESC, h."version" DESC) AS "strata_rank"`
      + ` FROM "${HISTORY_TABLE}" h WHERE h."resource" = ? AND h."at" <= ?`;
    const sql = `(SELECT t."id", h."revision" AS "${C.revision}", h."revision_count" AS "${C.revisionCount}", h."status" AS "${C.status}",`
      + ` r."hash" AS "${C.hash}", r."schema_version" AS "${C.schemaVersion}", h."version" AS "${C.version}",`
      + ` CASE WHEN h."deleted" = 1 THEN h."at" END AS "${C.deletedAt}", CASE WHEN h."deleted" = 1 THEN h."by" END AS "${C.deletedBy}",`
      + ` t."${C.createdAt}", t."${C.createdBy}", h."at" AS "${C.updatedAt}", h."by" AS "${C.updatedBy}", r."data" AS "${C.data}"`
      + `${fieldColumns.map((column) => `, ${column}`).join('')}`
      + ` FROM ${table} t JOIN (${latest}) h ON h."id" = t."id" AND h."strata_rank" = 1`
      + ` JOIN "${REVISIONS_TABLE}" r ON r."resource" = h."resource" AND r."id" = h."id" AND r."n" = h."revision"`
      + `${scope ? ` WHERE ${scope.sql}` : ''})`;
    return { sql, params: [this.model.name, at, ...(scope?.params ?? [])] };
  }
}

function entryFromRow(row: Row): HistoryEntry {
  return {
    id: String(row.id), version: Number(row.version), at: String(row.at), by: (row.by as string | null) ?? null, type: String(row.type),
    revision: Number(row.revision), revisionCount: Number(row.revision_count), status: row.status as RevisionStatus, deleted: Number(row.deleted) === 1,
  };
}

import { EntitySchema } from '@mikro-orm/core';
import type { Logger } from '../logger.js';
import type { FieldModel, ResourceModel } from '../metadata/model.js';
import { additiveSync } from './additive-sync.js';
import type { Database } from './database.js';
import type { Dialect } from './dialect.js';
import { jobColumnIndexes, jobColumnProperties } from './job-columns.js';

/** PostgreSQL's generated tsvector column over the `text: true` fields. */
export const SEARCH_COLUMN = '_search';

/** The table every resource's revisions live in, keyed by `(resource, id, n)`. */
export const REVISIONS_TABLE = 'strata_revisions';

/** The table of state changes of every resource, keyed by `(resource, id, version)` (docs/history.md). */
export const HISTORY_TABLE = 'strata_history';

/** Columns of the current-state table that Strata owns (field columns are named after the fields). */
export const SYSTEM_COLUMNS = {
  revision: '_revision', revisionCount: '_revision_count', status: '_status', hash: '_hash',
  schemaVersion: '_schema_version', version: '_version', deletedAt: '_deleted_at', deletedBy: '_deleted_by',
  createdAt: '_created_at', createdBy: '_created_by', updatedAt: '_updated_at', updatedBy: '_updated_by', data: '_data',
  indexedVersion: '_indexed_version',
} as const;

type Property = { type: string; columnType?: string; nullable?: boolean; primary?: boolean; fieldName?: string; generated?: string };

/**
 * MikroORM entity schemas generated from the models: per resource a current-state table with one
 * typed, indexed column per `@Indexed` field, plus the shared revisions table.
 */
export function entitySchemas(models: readonly ResourceModel[], dialect: Dialect): EntitySchema[] {
  return [revisionsSchema(), historySchema(), ...models.map((model) => currentStateSchema(model, dialect))];
}

function currentStateSchema(model: ResourceModel, dialect: Dialect): EntitySchema {
  const table = model.names.table;
  const text = (nullable = false): Property => ({ type: 'string', columnType: 'text', nullable });
  const integer = (): Property => ({ type: 'number', columnType: dialect.columnType('integer') });
  const properties: Record<string, Property> = {
    id: { ...text(), primary: true },
    [SYSTEM_COLUMNS.revision]: integer(),
    [SYSTEM_COLUMNS.revisionCount]: integer(),
    [SYSTEM_COLUMNS.status]: text(),
    [SYSTEM_COLUMNS.hash]: text(),
    [SYSTEM_COLUMNS.schemaVersion]: integer(),
    [SYSTEM_COLUMNS.version]: integer(),
    [SYSTEM_COLUMNS.deletedAt]: text(true),
    [SYSTEM_COLUMNS.deletedBy]: text(true),
    [SYSTEM_COLUMNS.createdAt]: text(),
    [SYSTEM_COLUMNS.createdBy]: text(true),
    [SYSTEM_COLUMNS.updatedAt]: text(),
    [SYSTEM_COLUMNS.updatedBy]: text(true),
    [SYSTEM_COLUMNS.data]: { type: 'json', nullable: false },
    // The schema version the field columns were computed at; behind the model's → re-indexed at bootstrap.
    [SYSTEM_COLUMNS.indexedVersion]: { ...integer(), nullable: true },
  };
  const indexes: { name: string; properties?: string[]; expression?: string }[] = [
    { name: `${table}_created_idx`, properties: [SYSTEM_COLUMNS.createdAt, 'id'] },
    { name: `${table}_updated_idx`, properties: [SYSTEM_COLUMNS.updatedAt, 'id'] },
  ];
  // Partial unique indexes: a value is unique among the resources that are not deleted.
  const uniques: { name: string; expression: string }[] = [];
  for (const field of model.indexedFields) {
    const column = field.column!;
    properties[column] = { type: 'unknown', columnType: dialect.columnType(field.type.kind), nullable: true };
    indexes.push({ name: `${table}_${column}_idx`, properties: [column, 'id'] });
    if (field.unique) {
      const name = `${table}_${column}_unique`;
      uniques.push({ name, expression: `create unique index "${name}" on "${table}" ("${column}") where "${SYSTEM_COLUMNS.deletedAt}" is null` });
    }
  }
  if (model.job) {
    Object.assign(properties, jobColumnProperties(dialect));
    indexes.push(...jobColumnIndexes(table));
  }
  if (dialect.name === 'postgresql' && model.textFields.length > 0) {
    properties[SEARCH_COLUMN] = { type: 'unknown', columnType: 'tsvector', nullable: true, generated: `(${postgresSearchExpression(model)}) stored` };
    indexes.push({ name: `${table}_search_idx`, expression: `create index "${table}_search_idx" on "${table}" using gin ("${SEARCH_COLUMN}")` });
  }
  for (const [column, property] of Object.entries(properties)) property.fieldName = column;
  return new EntitySchema({ name: `Strata_${model.name}`, tableName: table, properties: properties as never, indexes, uniques });
}

function revisionsSchema(): EntitySchema {
  const text = (nullable = false) => ({ type: 'string', columnType: 'text', nullable });
  return new EntitySchema({
    name: 'StrataRevision',
    tableName: REVISIONS_TABLE,
    properties: {
      resource: { ...text(), primary: true },
      id: { ...text(), primary: true },
      n: { type: 'number', columnType: 'integer', primary: true },
      parent: { type: 'number', columnType: 'integer', nullable: true },
      status: text(),
      hash: text(),
      schema_version: { type: 'number', columnType: 'integer' },
      data: { type: 'json' },
      created_at: text(),
      created_by: text(true),
    } as never,
  });
}

/** The MikroORM schema of the history table. */
function historySchema(): EntitySchema {
  const text = (nullable = false) => ({ type: 'string', columnType: 'text', nullable });
  const integer = (primary = false) => ({ type: 'number', columnType: 'integer', ...(primary ? { primary: true } : {}) });
  return new EntitySchema({
    name: 'StrataHistory',
    tableName: HISTORY_TABLE,
    properties: {
      resource: { ...text(), primary: true },
      id: { ...text(), primary: true },
      version: integer(true),
      at: text(),
      by: text(true),
      type: text(),
      revision: integer(),
      revision_count: integer(),
      status: text(),
      deleted: integer(),
    } as never,
    // Window reverts and as-of searches look changes up by time.
    indexes: [
      { name: `${HISTORY_TABLE}_at_idx`, properties: ['resource', 'at'] },
      // An as-of read seeks the last change of one resource at or before a moment.
      { name: `${HISTORY_TABLE}_id_at_idx`, properties: ['resource', 'id', 'at'] },
    ],
  });
}

/**
 * Brings the database up to the models, only ever adding: MikroORM's comparator finds missing
 * tables, columns and indexes (nothing is dropped, renamed or retyped); a newly added field column
 * is filled from the stored data; then the parts MikroORM cannot describe are added: the trigger
 * that keeps stable revisions immutable and the full-text structures.
 */
export async function synchronizeSchema(database: Database, models: readonly ResourceModel[], logger: Logger): Promise<void> {
  const { addedColumns, rebuiltColumns } = await additiveSync(database, logger, new Set([SEARCH_COLUMN]));
  for (const model of models) {
    const added = addedColumns.get(model.names.table) ?? [];
    for (const field of model.indexedFields) if (added.includes(field.column!)) await backfillColumn(database, model, field);
  }
  if (database.dialect.name === 'sqlite') await sqliteExtras(database, models);
  else await postgresExtras(database, models.filter((model) => rebuiltColumns.get(model.names.table)?.includes(SEARCH_COLUMN)));
}

/** Fills a column added to an existing table from each row's stored data, so search finds old resources too. */
async function backfillColumn(database: Database, model: ResourceModel, field: FieldModel): Promise<void> {
  const table = `"${model.names.table}"`;
  const column = `"${field.column}"`;
  if (database.dialect.name === 'sqlite') {
    await database.run(`UPDATE ${table} SET ${column} = json_extract("${SYSTEM_COLUMNS.data}", ?) WHERE ${column} IS NULL`, [`$.${field.name}`]);
  } else {
    const type = database.dialect.columnType(field.type.kind);
    await database.run(`UPDATE ${table} SET ${column} = ("${SYSTEM_COLUMNS.data}"->>?)::${type} WHERE ${column} IS NULL AND "${SYSTEM_COLUMNS.data}"->>? IS NOT NULL`, [field.name, field.name]);
  }
}

const IMMUTABLE_MESSAGE = 'strata: stable revisions are immutable';

async function sqliteExtras(database: Database, models: readonly ResourceModel[]): Promise<void> {
  await database.run(`CREATE TRIGGER IF NOT EXISTS "${REVISIONS_TABLE}_immutable" BEFORE UPDATE ON "${REVISIONS_TABLE}"
    WHEN OLD.status = 'stable' BEGIN SELECT RAISE(ABORT, '${IMMUTABLE_MESSAGE}'); END`);
  for (const model of models) {
    if (model.textFields.length === 0) continue;
    const table = model.names.table;
    const fts = `${table}_fts`;
    const columns = model.textFields.map((field) => `"${field.column}"`);
    const existing = await database.all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [fts]);
    const wanted = model.textFields.map((field) => field.column!);
    if (existing.length > 0 && existing.map((row) => row.name).join() === wanted.join()) continue;
    // The full-text table is derived data: rebuilt from the current-state table when the text fields change.
    await database.transaction(async () => {
      await database.run(`DROP TABLE IF EXISTS "${fts}"`);
      for (const suffix of ['insert', 'delete', 'update']) await database.run(`DROP TRIGGER IF EXISTS "${fts}_${suffix}"`);
      await database.run(`CREATE VIRTUAL TABLE "${fts}" USING fts5(${columns.join(', ')}, tokenize = 'unicode61')`);
      const newValues = columns.map((column) => `new.${column}`).join(', ');
      await database.run(`CREATE TRIGGER "${fts}_insert" AFTER INSERT ON "${table}" BEGIN
        INSERT INTO "${fts}"(rowid, ${columns.join(', ')}) VALUES (new.rowid, ${newValues}); END`);
      await database.run(`CREATE TRIGGER "${fts}_delete" AFTER DELETE ON "${table}" BEGIN
        DELETE FROM "${fts}" WHERE rowid = old.rowid; END`);
      await database.run(`CREATE TRIGGER "${fts}_update" AFTER UPDATE OF ${columns.join(', ')} ON "${table}" BEGIN
        DELETE FROM "${fts}" WHERE rowid = old.rowid;
        INSERT INTO "${fts}"(rowid, ${columns.join(', ')}) VALUES (new.rowid, ${newValues}); END`);
      await database.run(`INSERT INTO "${fts}"(rowid, ${columns.join(', ')}) SELECT rowid, ${columns.join(', ')} FROM "${table}"`);
    });
  }
}

async function postgresExtras(database: Database, searchChanged: readonly ResourceModel[]): Promise<void> {
  await database.run(`CREATE OR REPLACE FUNCTION "${REVISIONS_TABLE}_immutable"() RETURNS trigger AS $$
    BEGIN IF OLD.status = 'stable' THEN RAISE EXCEPTION '${IMMUTABLE_MESSAGE}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
  await database.run(`CREATE OR REPLACE TRIGGER "${REVISIONS_TABLE}_immutable" BEFORE UPDATE ON "${REVISIONS_TABLE}"
    FOR EACH ROW EXECUTE FUNCTION "${REVISIONS_TABLE}_immutable"()`);
  // The search column is derived data: rebuilt when the set of text fields changed.
  for (const model of searchChanged) {
    const table = model.names.table;
    if (await searchColumnCovers(database, model)) continue;
    await database.transaction(async () => {
      await database.run(`ALTER TABLE "${table}" DROP COLUMN IF EXISTS "${SEARCH_COLUMN}"`);
      await database.run(`ALTER TABLE "${table}" ADD COLUMN "${SEARCH_COLUMN}" tsvector GENERATED ALWAYS AS (${postgresSearchExpression(model)}) STORED`);
      await database.run(`CREATE INDEX IF NOT EXISTS "${table}_search_idx" ON "${table}" USING gin ("${SEARCH_COLUMN}")`);
    });
  }
}

/**
 * True when the existing search column already indexes exactly the model's text fields. PostgreSQL
 * rewrites generated expressions, so MikroORM sees a change on every start; this compares the
 * columns the stored expression names instead.
 */
async function searchColumnCovers(database: Database, model: ResourceModel): Promise<boolean> {
  const rows = await database.all<{ expression: string | null }>(
    `SELECT generation_expression AS expression FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`,
    [model.names.table, SEARCH_COLUMN]);
  const expression = rows[0]?.expression ?? '';
  const named = [...expression.matchAll(/COALESCE\(\(?"?(\w+)"?/gi)].map((match) => match[1]);
  return named.join(',') === model.textFields.map((field) => field.column).join(',');
}

/** The tsvector a PostgreSQL current-state table keeps for `q` searches. */
function postgresSearchExpression(model: ResourceModel): string {
  return `to_tsvector('simple'::regconfig, ${model.textFields.map((field) => `coalesce("${field.column}", '')`).join(` || ' ' || `)})`;
}

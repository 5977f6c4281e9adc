import { DatabaseSchema, SchemaComparator, type AbstractSqlPlatform, type SchemaDifference, type SqlSchemaGenerator } from '@mikro-orm/knex';
import { BootstrapError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { Database } from './database.js';

/** What an additive sync did: per existing table, the columns it added (new tables are not listed). */
export interface SyncResult {
  addedColumns: Map<string, string[]>;
  /** Derived columns whose definition changed and were rebuilt (PostgreSQL's search column). */
  rebuiltColumns: Map<string, string[]>;
  /** Columns whose type the models changed: nothing was applied, bootstrap must stop. */
  typeChanges: string[];
}

/**
 * Brings the database up to the entity schemas without ever removing or rewriting anything:
 * MikroORM's comparator finds the difference, and everything in it that would drop, rename or
 * change (columns, indexes, tables) is left out and reported as a warning; a column whose type
 * changed stops bootstrap with a BootstrapError (before anything is applied). `derivedColumns` may
 * be rebuilt when their definition changed, because they hold nothing a user wrote.
 */
export async function additiveSync(database: Database, logger: Logger, derivedColumns: ReadonlySet<string>): Promise<SyncResult> {
  const generator = database.orm.schema as unknown as SqlSchemaGenerator;
  const connection = database.orm.em.getConnection() as never;
  const platform = database.orm.em.getPlatform() as AbstractSqlPlatform;
  const config = database.orm.config;
  const target = generator.getTargetSchema();
  const current = await DatabaseSchema.create(connection, platform, config, undefined, target.getNamespaces(), undefined,
    config.get('schemaGenerator').skipTables);
  const difference = new SchemaComparator(platform).compare(current, target);
  const result = keepAdditive(difference, logger, derivedColumns);
  if (result.typeChanges.length > 0) throw new BootstrapError(result.typeChanges);
  const sql = await generator.diffToSQL(difference, { safe: true, dropTables: false });
  if (sql.trim()) await generator.execute(sql);
  return result;
}

function keepAdditive(difference: SchemaDifference, logger: Logger, derivedColumns: ReadonlySet<string>): SyncResult {
  const result: SyncResult = { addedColumns: new Map(), rebuiltColumns: new Map(), typeChanges: [] };
  const skipped = (table: string, what: string) => logger.warn(`schema: left ${what} on ${table} as it is; Strata only adds to the schema, change it by hand if you need to`);
  for (const table of Object.keys(difference.removedTables)) skipped(table, 'the table (no longer a resource)');
  difference.removedTables = {};
  difference.orphanedForeignKeys = [];
  for (const diff of Object.values(difference.changedTables)) {
    const table = diff.name.split('.').pop()!; // PostgreSQL names come schema-qualified
    const rebuilt: string[] = [];
    // A derived column whose definition changed shows as dropped and added again: rebuild it instead.
    for (const name of derivedColumns) {
      if (diff.addedColumns[name] && (diff.removedColumns[name] || diff.changedColumns[name])) {
        delete diff.addedColumns[name];
        delete diff.removedColumns[name];
        delete diff.changedColumns[name];
        rebuilt.push(name);
      }
    }
    // A "renamed" column is a new field plus an old one: add the new column, keep the old.
    for (const [oldName, column] of Object.entries(diff.renamedColumns)) {
      diff.addedColumns[column.name] = column;
      skipped(table, `column ${oldName}`);
    }
    diff.renamedColumns = {};
    for (const name of Object.keys(diff.removedColumns)) skipped(table, `column ${name}`);
    diff.removedColumns = {};
    for (const [name, change] of Object.entries(diff.changedColumns)) {
      if (derivedColumns.has(name)) rebuilt.push(name);
      else if (change.changedProperties.has('type')) {
        result.typeChanges.push(`${table}.${name} is ${change.fromColumn.type} in the database but the model now needs ${change.column.type}; ` +
          'Strata never changes a column type: convert the column by hand (ALTER TABLE …) or give the field a new name');
      } else skipped(table, `column ${name} (its ${[...change.changedProperties].join(', ')} changed)`);
    }
    diff.changedColumns = {};
    for (const index of Object.values({ ...diff.removedIndexes, ...diff.changedIndexes })) skipped(table, `index ${index.keyName}`);
    diff.addedIndexes = { ...diff.addedIndexes, ...diff.renamedIndexes };
    diff.removedIndexes = {};
    diff.changedIndexes = {};
    diff.renamedIndexes = {};
    diff.removedChecks = {};
    diff.changedChecks = {};
    diff.removedForeignKeys = {};
    diff.changedForeignKeys = {};
    const added = Object.keys(diff.addedColumns);
    if (added.length > 0) result.addedColumns.set(table, added);
    if (rebuilt.length > 0) result.rebuiltColumns.set(table, rebuilt);
  }
  return result;
}

import type { ResourceModel } from '../metadata/model.js';
import type { HookRegistry } from '../manager/hooks.js';
import type { ResourceManager } from '../manager/ResourceManager.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../resolved-options.js';
import type { EntitySchema } from '@mikro-orm/core';
import type { Database } from '../storage/database.js';
import type { Dialect } from '../storage/dialect.js';

/** What every plugin phase receives. */
export interface PluginContext {
  /** The app passed to `bootstrap` (an Express app), or null when running without HTTP. */
  readonly app: unknown;
  readonly models: readonly ResourceModel[];
  readonly hooks: HookRegistry;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  /** The manager of a resource class (available from `mount` on). */
  manager<T extends object>(target: new (...args: never[]) => T): ResourceManager<T>;
  /** Names of every plugin taking part, for optional cooperation. */
  readonly plugins: readonly string[];
  /**
   * Adds a MikroORM entity schema of the plugin's own (e.g. a job queue table) to the database;
   * call it in `configure`. Its table is created additively with the resources' tables.
   */
  addEntitySchema(schema: EntitySchema): void;
  /** The database connection (available from `mount` on), for plugins that keep tables of their own. */
  readonly database: Database;
  /** What kind of database `options.database` is (known from `configure` on, e.g. to shape a plugin's tables). */
  readonly dialect: Dialect;
}

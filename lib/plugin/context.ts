import type { EntitySchema } from '@mikro-orm/core';
import type { ResolvedOptions } from '../resolved-options.js';
import type { Logger } from '../logger.js';
import type { ChangeRecorder } from '../manager/changes.js';
import type { CurrentUser } from '../manager/context.js';
import type { HookRegistry } from '../manager/hooks.js';
import type { ResourceManager } from '../manager/ResourceManager.js';
import type { ResourceModel } from '../metadata/model.js';
import type { AddOperationOptions } from '../operations/table.js';
import type { OperationDefinition } from '../operations/types.js';
import type { Database } from '../storage/database.js';
import type { Dialect } from '../storage/dialect.js';
import type { BlobStore } from '../storage/blob-store.js';

/**
 * Finds who is calling from a request (a bearer token, an API key, a session …): a user, `null`
 * for a known anonymous call, or `undefined` to leave it to the next resolver. A bad credential
 * should throw `StrataError` `UNAUTHORIZED`, never fall back to anonymous.
 */
export type UserResolver = (request: unknown) => CurrentUser | null | undefined | Promise<CurrentUser | null | undefined>;

/** The operations of the app, as plugins see them. */
export interface PluginOperations {
  /** Adds an operation (call it in `configure`); one named like an existing operation replaces it. */
  add(definition: OperationDefinition, options?: AddOperationOptions): void;
  /** Every operation of a resource, collection routes first. */
  of(model: ResourceModel): readonly OperationDefinition[];
  /** One operation of a resource by name. */
  find(model: ResourceModel, name: string): OperationDefinition | undefined;
}

/**
 * What every plugin phase receives: the plugin API. A user's own plugin can do everything a
 * built-in one does through it (docs/plugins-and-hooks.md).
 */
export interface PluginContext {
  /** The app passed to `bootstrap` (an Express app), or null when running without HTTP. */
  readonly app: unknown;
  readonly models: readonly ResourceModel[];
  readonly hooks: HookRegistry;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  /** The operation table every transport is derived from. */
  readonly operations: PluginOperations;
  /** The manager of a resource class (available from `mount` on). */
  manager<T extends object>(target: new (...args: never[]) => T): ResourceManager<T>;
  /** Publishes a service other plugins `require` (declare its name in the plugin's `provides`). */
  provide<T>(name: string, service: T): void;
  /** A service another plugin provides (declare its name in `requires` so that plugin runs first). */
  require<T>(name: string): T;
  /** True when some plugin provides `name` (for optional cooperation). */
  has(name: string): boolean;
  /**
   * Adds a recorder every change of every resource is handed to, inside the transaction that stores
   * it (a change log, an outbox); call it in `configure`. Use `database.afterCommit` for work that
   * must wait until the change is durable.
   */
  recordChanges(recorder: ChangeRecorder): void;
  /** Adds a way to find the caller; resolvers run in plugin order, before the app's `currentUser`. */
  authenticate(resolver: UserResolver): void;
  /** The caller of a request: the first resolver's answer that is not undefined, else the app's `currentUser`. */
  currentUser(request: unknown): Promise<CurrentUser | null>;
  /**
   * Adds a MikroORM entity schema of the plugin's own (e.g. a job queue table) to the database;
   * call it in `configure`. Its table is created additively with the resources' tables.
   */
  addEntitySchema(schema: EntitySchema): void;
  /** The database connection (available from `mount` on), for plugins that keep tables of their own. */
  readonly database: Database;
  /** Where `@Blob` bytes are stored (available from `mount` on; docs/blobs.md). */
  readonly blobs: BlobStore;
  /** What kind of database `options.database` is (known from `configure` on, e.g. to shape a plugin's tables). */
  readonly dialect: Dialect;
}

import type { EntitySchema } from '@mikro-orm/core';
import type { ResolvedOptions } from '../resolved-options.js';
import type { Logger } from '../logger.js';
import type { ChangeRecorder } from '../manager/changes.js';
import type { CurrentUser } from '../manager/context.js';
import type { HookRegistry } from '../manager/hooks.js';
import type { ResourceManager } from '../manager/ResourceManager.js';
import type { ResourceModel } from '../metadata/model.js';
import type { AddOperationOptions } from '../operations/table.js';
import type { HttpMethod, OperationDefinition } from '../operations/types.js';
import type { SchemaObject } from '../schema/types.js';
import type { Database } from '../storage/database.js';
import type { Dialect } from '../storage/dialect.js';
import type { BlobStore } from '../storage/blob-store.js';

/**
 * Finds who is calling from a request (a bearer token, an API key, a session …): a user, `null`
 * for a known anonymous call, or `undefined` to leave it to the next resolver. A bad credential
 * should throw `StrataError` `UNAUTHORIZED`, never fall back to anonymous.
 */
export type UserResolver = (request: unknown) => CurrentUser | null | undefined | Promise<CurrentUser | null | undefined>;

/**
 * A way callers prove who they are, as an OpenAPI 3.1 security scheme object describes it:
 * `{ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }`, `{ type: 'apiKey', in: 'header', name: 'X-Api-Key' }` …
 */
export type SecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; description?: string }
  | { type: 'oauth2'; flows: Record<string, unknown>; description?: string }
  | { type: 'openIdConnect'; openIdConnectUrl: string; description?: string }
  | { type: 'mutualTLS'; description?: string };

/** What a plugin says about the resolver it adds with `authenticate`. */
export interface AuthenticateOptions {
  /**
   * The credentials the resolver reads, by scheme name (letters, digits, `.`, `-`, `_`), e.g.
   * `{ bearer: { type: 'http', scheme: 'bearer' } }`. Transports that describe the API list them
   * (OpenAPI: `components.securitySchemes`, optional top-level `security`, a 401 per operation).
   */
  schemes?: Readonly<Record<string, SecurityScheme>>;
}

/**
 * A route a plugin serves itself, outside the operation table (`GET /_events`), as API descriptions
 * show it: OpenAPI puts `operation` under `paths[path][method]`, with the problems every operation
 * answers added to its responses, and `schemas` among its component schemas.
 */
export interface DescribedRoute {
  readonly method: HttpMethod;
  /** The path in OpenAPI form, e.g. `/_events` or `/_things/{id}`. */
  readonly path: string;
  /** An OpenAPI 3.1 operation object: operationId, summary, tags, parameters, responses … */
  readonly operation: Readonly<Record<string, unknown>>;
  /** Component schemas the operation refers to (`#/components/schemas/<name>`). */
  readonly schemas?: Readonly<Record<string, SchemaObject>>;
}

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
  /**
   * Adds a way to find the caller; resolvers run in plugin order, before the app's `currentUser`.
   * `options.schemes` describes the credentials it reads, for OpenAPI and other API descriptions.
   */
  authenticate(resolver: UserResolver, options?: AuthenticateOptions): void;
  /** Describes a route the plugin serves itself, for OpenAPI (call it in `configure`). */
  describeRoute(route: DescribedRoute): void;
  /** Every route plugins described (complete once `configure` is over). */
  describedRoutes(): readonly DescribedRoute[];
  /** The security schemes every `authenticate` call declared, by name (complete once `configure` is over). */
  securitySchemes(): Readonly<Record<string, SecurityScheme>>;
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
  /** True once a graceful shutdown began (`strata.shutdown`, a SIGTERM): a readiness probe answers 503. */
  readonly shuttingDown: boolean;
}

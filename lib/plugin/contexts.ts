import type { EntitySchema } from '@mikro-orm/core';
import type { ResolvedOptions } from '../resolved-options.js';
import { BootstrapError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { ChangeRecorder } from '../manager/changes.js';
import type { CurrentUser } from '../manager/context.js';
import type { HookRegistry } from '../manager/hooks.js';
import type { ResourceManager } from '../manager/ResourceManager.js';
import type { ResourceModel } from '../metadata/model.js';
import { OperationTable } from '../operations/table.js';
import type { Database } from '../storage/database.js';
import type { Dialect } from '../storage/dialect.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { AuthenticateOptions, DescribedRoute, PluginContext, SecurityScheme, UserResolver } from './context.js';
import type { StrataPlugin } from './definePlugin.js';
import { ServiceRegistry } from './services.js';

/** What bootstrap gives the plugin contexts of one app. */
export interface PluginContextsInput {
  readonly app: unknown;
  readonly models: readonly ResourceModel[];
  readonly hooks: HookRegistry;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly dialect: Dialect;
  manager<T extends object>(target: new (...args: never[]) => T): ResourceManager<T>;
  /** The open database; undefined before storage is prepared. */
  database(): Database | undefined;
  /** True once a graceful shutdown began. */
  shuttingDown(): boolean;
  /** The blob store; undefined before storage is prepared. */
  blobs(): BlobStore | undefined;
}

/**
 * The plugin contexts of one app (one per plugin, so `provide` knows who provides) and what they
 * collect: the operation table, the services, the user resolvers and the plugins' entity schemas.
 * Calls that shape the app (`operations.add`, `provide`, `authenticate`, `addEntitySchema`) are
 * refused once `endConfigure()` was called.
 */
export class PluginContexts {
  readonly operations = new OperationTable();
  readonly services = new ServiceRegistry();
  readonly entitySchemas: EntitySchema[] = [];
  readonly changeRecorders: ChangeRecorder[] = [];
  private readonly userResolvers: UserResolver[] = [];
  private readonly schemes = new Map<string, { owner: string; scheme: SecurityScheme }>();
  private readonly routes: DescribedRoute[] = [];
  private readonly contexts = new Map<StrataPlugin, PluginContext>();
  private configuring = true;

  constructor(private readonly input: PluginContextsInput) {
    if (input.app) this.services.provide('bootstrap', 'http', input.app);
  }

  /** The callers found so far, by request: the request log names them. */
  private readonly resolvedUsers = new WeakMap<object, CurrentUser | null>();

  /** The caller of a request: the first resolver's answer that is not undefined, else the app's `currentUser`. */
  readonly currentUser = async (request: unknown): Promise<CurrentUser | null> => {
    const user = this.userResolvers.length === 0 ? await this.input.options.currentUser(request) : await this.resolveUser(request);
    if (typeof request === 'object' && request !== null) this.resolvedUsers.set(request, user);
    return user;
  };

  /** The id of the caller `currentUser` found for `request`, if it was asked. */
  readonly userIdOf = (request: object): string | null | undefined => {
    const user = this.resolvedUsers.get(request);
    return user === undefined ? undefined : user === null ? null : String(user.id);
  };

  private async resolveUser(request: unknown): Promise<CurrentUser | null> {
    for (const resolve of this.userResolvers) {
      const user = await resolve(request);
      if (user !== undefined) return user;
    }
    return this.input.options.currentUser(request);
  }

  /** The security schemes the `authenticate` calls declared, by name. */
  readonly securitySchemes = (): Readonly<Record<string, SecurityScheme>> => (
    Object.freeze(Object.fromEntries([...this.schemes].map(([name, { scheme }]) => [name, scheme])))
  );

  private declareSchemes(owner: string, schemes: AuthenticateOptions['schemes']): void {
    for (const [name, scheme] of Object.entries(schemes ?? {})) {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new BootstrapError([`${owner}: security scheme name "${name}" may hold only letters, digits, ".", "-" and "_"; rename it`]);
      if (typeof scheme?.type !== 'string') throw new BootstrapError([`${owner}: security scheme "${name}" needs a type (http, apiKey, oauth2, openIdConnect or mutualTLS), as in OpenAPI`]);
      const taken = this.schemes.get(name);
      if (taken) throw new BootstrapError([`${owner}: security scheme "${name}" is already declared by ${taken.owner}; give it another name`]);
      this.schemes.set(name, { owner, scheme: Object.freeze({ ...scheme }) });
    }
  }

  /** The routes plugins described, in the order they were described. */
  readonly describedRoutes = (): readonly DescribedRoute[] => [...this.routes];

  private describe(owner: string, route: DescribedRoute): void {
    if (typeof route?.path !== 'string' || !route.path.startsWith('/') || typeof route.operation !== 'object' || route.operation === null) {
      throw new BootstrapError([`${owner}: describeRoute needs { method, path: '/…', operation: { … } }`]);
    }
    if (this.routes.some((other) => other.path === route.path && other.method === route.method)) {
      throw new BootstrapError([`${owner}: ${route.method.toUpperCase()} ${route.path} is described twice; describe each route once`]);
    }
    this.routes.push(Object.freeze({ ...route }));
  }

  /** Ends the configure phase. */
  endConfigure(): void {
    this.configuring = false;
  }

  /** The context `plugin`'s phases receive (the same object every time). */
  readonly of = (plugin: StrataPlugin): PluginContext => {
    let context = this.contexts.get(plugin);
    if (!context) {
      context = this.create(plugin);
      this.contexts.set(plugin, context);
    }
    return context;
  };

  private create(plugin: StrataPlugin): PluginContext {
    const { app, models, hooks, options, logger, manager, dialect } = this.input;
    const { operations, services } = this;
    const inConfigure = (what: string) => {
      if (!this.configuring) throw new BootstrapError([`${what} must be called in a plugin's configure phase`]);
    };
    const { database, shuttingDown, blobs } = this.input;
    return {
      app, models, hooks, options, logger, manager, dialect, currentUser: this.currentUser, securitySchemes: this.securitySchemes,
      describedRoutes: this.describedRoutes,
      describeRoute: (route) => {
        inConfigure('describeRoute');
        this.describe(plugin.name, route);
      },
      operations: {
        add(definition, addOptions) {
          inConfigure('operations.add');
          operations.add(definition, addOptions);
        },
        of: (model) => operations.of(model),
        find: (model, name) => operations.find(model, name),
      },
      provide(name, service) {
        inConfigure('provide');
        if (!plugin.provides?.includes(name)) throw new BootstrapError([`${plugin.name}: provides service "${name}" without declaring it; add '${name}' to the plugin's provides`]);
        services.provide(plugin.name, name, service);
      },
      require: (name) => services.require(name, `plugin "${plugin.name}"`),
      has: (name) => services.has(name),
      recordChanges: (recorder) => {
        inConfigure('recordChanges');
        this.changeRecorders.push(recorder);
      },
      authenticate: (resolver, authenticateOptions) => {
        inConfigure('authenticate');
        if (typeof resolver !== 'function') throw new BootstrapError([`${plugin.name}: authenticate needs a resolver function (request) => user | null | undefined`]);
        this.declareSchemes(plugin.name, authenticateOptions?.schemes);
        this.userResolvers.push(resolver);
      },
      addEntitySchema: (schema) => {
        inConfigure('addEntitySchema');
        this.entitySchemas.push(schema);
      },
      get shuttingDown() {
        return shuttingDown();
      },
      get database() {
        const open = database();
        if (!open) throw new BootstrapError(['the database is open from the mount phase on; use context.database in mount, start or later']);
        return open;
      },
      get blobs() {
        const store = blobs();
        if (!store) throw new BootstrapError(['the blob store is open from the mount phase on; use context.blobs in mount, start or later']);
        return store;
      },
    };
  }
}

import { BootstrapError } from './errors/index.js';
import { buildModels } from './metadata/builder.js';
import type { ResourceModel } from './metadata/model.js';
import { HookRegistry } from './manager/hooks.js';
import { ResourceManager } from './manager/ResourceManager.js';
import type { EventBus } from './manager/events.js';
import { reindexStale } from './manager/reindex.js';
import { resolveOptions, type BootstrapOptions } from './config.js';
import type { Server } from 'node:http';
import { corsMiddleware, RequestTracker, requestLog, sendProblem, securityMiddleware, stopAccepting } from './http/index.js';
import { createLogger, type Logger } from './logger.js';
import { PluginContexts } from './plugin/contexts.js';
import { collectPluginProblems, orderPlugins, runPhase } from './plugin/runner.js';
import { unconsumedTraitProblems } from './plugin/traits.js';
import { collectBlobGarbage, type BlobGcResult } from './storage/blob-gc.js';
import type { BlobStore } from './storage/blob-store.js';
import { openBlobStore } from './storage/open-blob-store.js';
import { Database, parseDatabaseUrl } from './storage/database.js';
import { entitySchemas, synchronizeSchema } from './storage/schema.js';

/** The running app, as `bootstrap` returns it. */
export interface Strata {
  readonly models: readonly ResourceModel[];
  readonly hooks: HookRegistry;
  /** The ResourceManager of a resource class. */
  manager<T extends object>(target: new (...args: never[]) => T): ResourceManager<T>;
  /** A service a plugin provides (e.g. `strata.service<JobsService>('jobs')`); a missing one is a BootstrapError. */
  service<T>(name: string): T;
  /** The change feed (the events plugin's service `events`, docs/events.md); a BootstrapError without that plugin. */
  readonly events: EventBus;
  /** The blob store, and `gc` (`strata blobs gc`): removes blobs no revision names, stored longer than `graceMs` ago (default 24 h). */
  readonly blobs: { readonly store: BlobStore; gc(options?: { graceMs?: number }): Promise<BlobGcResult> };
  /** Stops plugins (in reverse order) and closes the database. */
  close(): Promise<void>;
  /**
   * A graceful shutdown (docs/operations.md): `/_ready` answers 503, `server` stops accepting,
   * requests in flight finish (up to `shutdownTimeoutMs`, default 10 s; then their connections are
   * dropped), then `close()`: running jobs finish within the jobs plugin's `shutdownTimeout` or are
   * queued again, event streams end, the database closes.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /**
   * On the first SIGTERM or SIGINT, `shutdown(options)` and exit 0 (1 if the shutdown failed).
   * Returns a function that removes the handlers.
   * @example const server = app.listen(3000); strata.installSignalHandlers({ server });
   */
  installSignalHandlers(options?: ShutdownOptions): () => void;
}

/** Options of a graceful shutdown. */
export interface ShutdownOptions {
  /** The HTTP server(s) serving the app, to stop accepting connections and close them. */
  server?: Server | readonly Server[];
  /** Milliseconds requests in flight may take to finish (default 10 000). */
  shutdownTimeoutMs?: number;
}

/**
 * Reads the metadata of `options.resources`, validates it (every problem at once), prepares
 * storage, runs the plugin phases and mounts everything on `app`.
 * @example const strata = await bootstrap(app, { resources: [User] });
 */
export async function bootstrap(app: unknown, options: BootstrapOptions): Promise<Strata> {
  const resolved = resolveOptions(options);
  const builtInServices = app ? ['http'] : [];
  const { ordered: plugins, problems: pluginProblems } = orderPlugins(resolved.plugins ?? [], builtInServices);
  const pluginResources = plugins.flatMap((plugin) => (Array.isArray(plugin.resources) ? plugin.resources : []));
  const { models, problems } = buildModels([...resolved.resources, ...pluginResources], pluginResources);
  try {
    parseDatabaseUrl(resolved.database);
  } catch (error) {
    problems.push(...(error instanceof BootstrapError ? error.problems : [(error as Error).message]));
  }
  let blobStore: BlobStore | undefined;
  try {
    blobStore = openBlobStore(resolved.blobs.store);
  } catch (error) {
    problems.push(...(error instanceof BootstrapError ? error.problems : [(error as Error).message]));
  }
  problems.push(...resolved.problems, ...pluginProblems, ...unconsumedTraitProblems(models, plugins));
  if (problems.length > 0) throw new BootstrapError(problems);

  const hooks = new HookRegistry();
  const managers = new Map<Function, ResourceManager>();
  const manager = <T extends object>(target: new (...args: never[]) => T): ResourceManager<T> => {
    const found = managers.get(target);
    if (!found) {
      if (models.some((model) => model.target === target)) throw new BootstrapError([`${target.name}'s manager exists from the mount phase on; call context.manager() in mount, start or later`]);
      throw new BootstrapError([`${target?.name ?? String(target)} is not a resource of this app; add it to bootstrap's resources`]);
    }
    return found as unknown as ResourceManager<T>;
  };
  let database: Database | undefined;
  const dialect = parseDatabaseUrl(resolved.database).dialect;
  const logger = createLogger(resolved.logLevel);
  const tracker = new RequestTracker();
  const contexts = new PluginContexts({ app, models, hooks, options: resolved, logger, dialect, manager, database: () => database, blobs: () => blobStore, shuttingDown: () => tracker.isDraining });
  const contextOf = contexts.of;
  await runPhase(plugins, 'configure', contextOf);
  contexts.endConfigure();
  const validateProblems = await collectPluginProblems(plugins, contextOf);
  // Read after validate: hooks may be added there too.
  const { operations, services } = contexts;
  const lateProblems = [...hooks.problems, ...operations.problems, ...operations.clashes(models), ...validateProblems];
  if (lateProblems.length > 0) throw new BootstrapError(lateProblems);
  hooks.seal();

  database = await Database.open(resolved.database, [...entitySchemas(models, dialect), ...contexts.entitySchemas]);
  const started: typeof plugins = [];
  try {
    await synchronizeSchema(database, models, logger);
    const environment = {
      blobs: blobStore, database, hooks, limits: resolved.limits, models, changeRecorders: contexts.changeRecorders,
      managerOf: (target: Function) => manager(target as never) as ResourceManager,
    };
    for (const model of models) managers.set(model.target, new ResourceManager(model, environment));
    for (const model of models) {
      const reindexed = await reindexStale(model, managers.get(model.target)!.store, database);
      if (reindexed > 0) logger.info(`re-indexed ${reindexed} ${model.name} resource(s) stored at an older schema version`);
    }
    protectApp(app, resolved.cors.origins, logger, tracker, contexts.userIdOf);
    await runPhase(plugins, 'mount', contextOf);
    for (const plugin of plugins) {
      await plugin.start?.(contextOf(plugin));
      started.push(plugin);
    }
  } catch (error) {
    await runPhase(started, 'stop', contextOf).catch(() => undefined);
    await database.close();
    throw error;
  }

  let closed = false;
  let shuttingDown: Promise<void> | undefined;
  const strata: Strata = {
    models,
    hooks,
    manager,
    service: (name) => services.require(name, 'strata.service()'),
    blobs: { store: blobStore!, gc: (options = {}) => collectBlobGarbage(database!, models, blobStore!, options.graceMs) },
    get events() {
      if (!services.has('events')) throw new BootstrapError(['strata.events needs the events plugin: add eventsPlugin() to plugins']);
      return services.require<EventBus>('events', 'strata.events');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await runPhase(started, 'stop', contextOf);
      } finally {
        blobStore?.close?.();
        await database.close();
      }
    },
    shutdown(shutdownOptions = {}) {
      shuttingDown ??= shutdown(strata, tracker, shutdownOptions, logger);
      return shuttingDown;
    },
    installSignalHandlers(shutdownOptions = {}) {
      const onSignal = (signal: NodeJS.Signals) => {
        remove();
        logger.info(`${signal}: shutting down`);
        strata.shutdown(shutdownOptions).then(() => process.exit(0), (error: unknown) => {
          logger.error('the shutdown failed', { error: String(error) });
          process.exit(1);
        });
      };
      const remove = () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      return remove;
    },
  };
  return strata;
}

/** The steps of `strata.shutdown`. */
async function shutdown(strata: Strata, tracker: RequestTracker, options: ShutdownOptions, logger: Logger): Promise<void> {
  const timeout = options.shutdownTimeoutMs ?? 10_000;
  if (!(Number.isFinite(timeout) && timeout >= 0)) throw new BootstrapError([`shutdownTimeoutMs must be milliseconds of 0 or more, got ${String(options.shutdownTimeoutMs)}`]);
  tracker.drain();
  const servers = options.server === undefined ? [] : Array.isArray(options.server) ? options.server as readonly Server[] : [options.server as Server];
  const stopped = servers.map(stopAccepting);
  if (!(await tracker.settled(timeout))) {
    logger.warn(`shutdown: ${tracker.pending()} request(s) still running after ${timeout} ms; their connections are closed`);
    for (const server of stopped) server.closeAll();
  }
  await strata.close();
  for (const server of stopped) server.closeAll();
  await Promise.all(stopped.map((server) => server.closed));
}

/**
 * Before any plugin mounts a route: no `X-Powered-By`, and the protections of `securityMiddleware`
 * (nosniff, page policies, cross-site writes refused), the count of requests in flight a
 * graceful shutdown waits for, one log line per request, and CORS for `cors.origins`. Only for an
 * Express-like app.
 */
function protectApp(app: unknown, origins: readonly string[], logger: Logger, tracker: RequestTracker, userIdOf: (request: object) => string | null | undefined): void {
  const express = app as { disable?(name: string): void; use?(handler: unknown): void } | null;
  if (typeof express?.use !== 'function') return;
  express.disable?.('x-powered-by');
  express.use(tracker.middleware);
  express.use(requestLog(logger, userIdOf));
  express.use(corsMiddleware(origins));
  express.use(securityMiddleware({ origins }, (request, response, error) => sendProblem(request as never, response as never, error, logger)));
}

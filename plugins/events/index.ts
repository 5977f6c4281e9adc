import type { Express } from 'express';
import { BootstrapError, definePlugin, type EventsService, type PluginContext, type StrataEvent, type StrataPlugin } from '../../lib/plugin-api.js';
import { ListenerBus } from './bus.js';
import { LogFollower } from './follower.js';
import { EventLog } from './log.js';
import { eventsRouteDescription } from './description.js';
import { eventsRoute } from './routes.js';
import { eventEntitySchema } from './schema.js';
import { Wakeups } from './wakeups.js';

export { EVENTS_TABLE } from './schema.js';
export { EVENT_TYPES } from './routes.js';

/** Options of the events plugin. */
export interface EventsOptions {
  /** Days the change log keeps events (default 30); older ones are deleted hourly. */
  retain?: number;
  /** Milliseconds between the heartbeat comments of an SSE stream (default 15 000, at most 15 000). */
  heartbeatMs?: number;
  /**
   * Milliseconds a stream may wait for a client that stopped reading (default 60 000); then the
   * connection is closed and the client, an EventSource, reconnects with the last id it got.
   */
  stallTimeoutMs?: number;
  /** Milliseconds between the looks at the log that cover other processes without notifications (default 1000). */
  pollMs?: number;
}

const DAY = 86_400_000;

/** What the plugin keeps per app. */
interface AppState {
  readonly bus: ListenerBus;
  readonly follower: LogFollower;
  log?: EventLog;
  wakeups?: Wakeups;
  prune?: NodeJS.Timeout;
  /** The open SSE streams, each until it no longer reads the log. */
  readonly streams: Set<Promise<void>>;
  /** Aborted as the app closes: every stream ends. */
  readonly shutdown: AbortController;
  readonly appended: ((event: StrataEvent) => Promise<void>)[];
}

/**
 * The events plugin (docs/events.md): a durable change log written in the transaction of every
 * change, in-process listeners after commit (`strata.events.on`), and `GET /_events` (SSE with
 * resume, or pages of past events). Servers sharing one PostgreSQL wake each other's streams with
 * LISTEN/NOTIFY. It needs no app: a `strata worker` logs the job state changes it makes.
 * @example await bootstrap(app, { resources: [Article], plugins: [eventsPlugin({ retain: 90 })] });
 */
export function eventsPlugin(options: EventsOptions = {}): StrataPlugin {
  const retain = options.retain ?? 30;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 1000;
  const apps = new WeakMap<PluginContext, AppState>();
  return definePlugin({
    name: 'events',
    provides: ['events'],
    configure(context) {
      context.addEntitySchema(eventEntitySchema(context.dialect));
      const app: AppState = {
        bus: new ListenerBus(context.logger), streams: new Set(), shutdown: new AbortController(), appended: [],
        follower: new LogFollower(() => app.log!, () => app.wakeups!, context.logger),
      };
      apps.set(context, app);
      const service: EventsService = {
        on: (type, handler, filter) => app.bus.on(type, handler, filter),
        follow: (handler, filter) => app.follower.follow(handler, filter),
        onAppend(handler) {
          if (typeof handler !== 'function') throw new BootstrapError(['events.onAppend needs a handler function']);
          app.appended.push(handler);
        },
      };
      context.provide('events', service);
      if (context.has('http')) context.describeRoute(eventsRouteDescription(context.models.map((model) => model.names.path), context.options.limits.maxLimit));
      context.recordChanges(async (change) => {
        const state = apps.get(context)!;
        const event = await state.log!.append(change);
        for (const handler of state.appended) await handler(event);
        state.wakeups!.appended();
        context.database.afterCommit(() => {
          state.follower.committed(event);
          state.bus.emit(event);
        });
      });
    },
    validate() {
      const problems: string[] = [];
      if (!(Number.isFinite(retain) && retain > 0)) problems.push(`option retain must be a number of days above 0, got ${String(options.retain)}`);
      if (!(Number.isInteger(stallTimeoutMs) && stallTimeoutMs > 0)) problems.push(`option stallTimeoutMs must be whole milliseconds above 0, got ${String(options.stallTimeoutMs)}`);
      if (!(Number.isInteger(heartbeatMs) && heartbeatMs > 0 && heartbeatMs <= 15_000)) problems.push(`option heartbeatMs must be whole milliseconds from 1 to 15000, got ${String(options.heartbeatMs)}`);
      if (!(Number.isInteger(pollMs) && pollMs > 0)) problems.push(`option pollMs must be whole milliseconds above 0, got ${String(options.pollMs)}`);
      return problems;
    },
    mount(context) {
      const state = apps.get(context)!;
      state.log = new EventLog(context.database);
      state.wakeups = new Wakeups(context.database, context.options.database, pollMs, context.logger);
      if (context.has('http')) {
        (context.app as Express).get('/_events', eventsRoute(context, state.log, { wakeups: state.wakeups, heartbeatMs, stallTimeoutMs, batch: 100, shutdown: state.shutdown.signal }, state.streams));
      }
    },
    async start(context) {
      const state = apps.get(context)!;
      await state.wakeups!.start();
      const prune = () => state.log!.prune(new Date(Date.now() - retain * DAY).toISOString())
        .catch((error: unknown) => context.logger.warn('events: pruning the change log failed; it is tried again in an hour', { error: String(error) }));
      await prune();
      state.prune = setInterval(() => void prune(), Math.min(DAY, 3_600_000));
      state.prune.unref();
    },
    async stop(context) {
      const state = apps.get(context);
      if (!state) return;
      clearInterval(state.prune);
      // End every open stream and wait until none reads the log any more: the database closes next.
      state.shutdown.abort();
      await Promise.allSettled([...state.streams]);
      await state.wakeups?.stop();
    },
  });
}

import type { ResourceView } from '../metadata/views.js';
import type { ChangeType } from './changes.js';

/** One entry of the change log, as every transport shows it (docs/events.md). */
export interface StrataEvent {
  /** The sequence number, a decimal integer as a string; later events have larger ones. */
  readonly id: string;
  readonly type: ChangeType;
  /** The resource's path segment (`articles`). */
  readonly resource: string;
  readonly resourceId: string;
  /** The current revision after the change; null once purged. */
  readonly revision: number | null;
  readonly at: string;
  readonly by: string | null;
  /** The resource after the change; null once purged. */
  readonly data: ResourceView | null;
}

/** Which events a listener hears: a type or `'*'`, and optionally one resource (its path segment). */
export interface EventFilter {
  readonly resource?: string;
}

/** Called after commit with each event; what it throws is logged and never fails the write. */
export type EventHandler = (event: StrataEvent) => unknown;

/**
 * The change feed of an app, provided by the events plugin as service `events` and reachable as
 * `strata.events` (docs/events.md).
 * @example strata.events.on('created', (event) => console.log(event.resource, event.resourceId), { resource: 'articles' });
 */
export interface EventBus {
  /** Listens to events of `type` (or every type) after they commit; returns a function that stops listening. */
  on(type: ChangeType | '*', handler: EventHandler, filter?: EventFilter): () => void;
}

/**
 * What the events plugin provides as service `events` to other plugins: the bus, plus a hook into
 * the log itself. `onAppend` handlers run inside the transaction of the change, right after its
 * event is logged (with its id): what they write (a webhook delivery, an outbox row) commits or rolls
 * back with the change. Declare `requires: ['events']` so the events plugin configures first.
 */
export interface EventsService extends EventBus {
  onAppend(handler: (event: StrataEvent) => Promise<void>): void;
  /**
   * Follows the change log itself: every event committed from now on by any process sharing the
   * database (several servers on one PostgreSQL, a `strata worker`): this process's at once after
   * commit, the others' as the log is read (in log order, on NOTIFY or the poll). `on` hears only
   * this process's commits, each once; use `follow` for feeds to clients
   * (GraphQL subscriptions) and `on` for work that must happen once per change. Returns a function
   * that stops following.
   */
  follow(handler: EventHandler, filter?: EventFilter): () => void;
}

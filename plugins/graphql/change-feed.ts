import { StrataError, type ChangeType, type EventsService, type StrataEvent } from '../../lib/plugin-api.js';

/** What one subscription listens to and how it decides what to deliver. */
export interface ChangeFeedOptions {
  /** The events service: a feed follows the change log, so it hears the commits of every server on the database. */
  readonly bus: Pick<EventsService, 'follow'>;
  /** The resource's path segment (`articles`). */
  readonly resource: string;
  /** Only these event types; undefined for every type. */
  readonly types?: ReadonlySet<ChangeType>;
  /** Whether the subscriber is sent `event`, asked as the event arrives (a few events ahead of the subscriber); what it throws ends the feed with that error. */
  accepts(event: StrataEvent): Promise<boolean>;
  /** Events held for a subscriber that reads slower than they come; one more ends the feed with RATE_LIMITED. */
  readonly maxPending: number;
}

/** One item of a feed: an event to deliver, or the error that ends the feed (delivered last). */
export type ChangeFeedItem = { readonly event: StrataEvent } | { readonly error: unknown };

/** What `accepts` said about one event, or what it threw. */
type Verdict = { readonly accepted: boolean } | { readonly error: unknown };

/** An event held for the subscriber, with its verdict once asked for. */
interface Pending {
  readonly event: StrataEvent;
  verdict?: Promise<Verdict>;
}

/**
 * Events whose verdict is asked for before the subscriber reads them. Asking when the change has just
 * committed means `accepts` sees the resource as that change left it (a later change of the same
 * resource could otherwise commit first); the bound keeps a burst of changes from sending that many
 * searches at once.
 */
const VERDICTS_AHEAD = 8;

/**
 * The source stream of one GraphQL subscription: the committed events of one resource, from the
 * events service, filtered by type at once and by `accepts`, delivered in commit order. `accepts`
 * is asked as soon as an event arrives, for the oldest `VERDICTS_AHEAD` events not yet read. The feed holds at most
 * `maxPending` events: a subscriber that falls further behind gets a RATE_LIMITED error and the
 * feed ends (it can subscribe again, and read what it missed from the change log). `return()` (the
 * client completed, or the socket closed) stops listening at once.
 */
export class ChangeFeed implements AsyncIterableIterator<ChangeFeedItem> {
  private readonly pending: Pending[] = [];
  private readonly unsubscribe: () => void;
  private wake?: () => void;
  private overflowed = false;
  private finished = false;

  constructor(private readonly options: ChangeFeedOptions) {
    this.unsubscribe = options.bus.follow((event) => this.push(event), { resource: options.resource });
  }

  async next(): Promise<IteratorResult<ChangeFeedItem, undefined>> {
    while (!this.finished) {
      const head = this.pending[0];
      if (head === undefined) {
        if (this.overflowed) return this.last(new StrataError('RATE_LIMITED', `The subscription fell more than ${this.options.maxPending} changes behind and was ended; subscribe again, and read what was missed from the change log (GET /_events?since=<the at of the last change seen>)`));
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = undefined;
        continue;
      }
      const verdict = await this.verdictOf(head);
      if (this.finished) break;
      this.pending.shift();
      if (this.pending.length >= VERDICTS_AHEAD) this.verdictOf(this.pending[VERDICTS_AHEAD - 1]);
      if ('error' in verdict) return this.last(verdict.error);
      if (verdict.accepted) return { value: { event: head.event }, done: false };
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<ChangeFeedItem, undefined>> {
    this.finish();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<ChangeFeedItem, undefined>> {
    this.finish();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private push(event: StrataEvent): void {
    if (this.finished || this.overflowed) return;
    if (this.options.types && !this.options.types.has(event.type)) return;
    if (this.pending.length >= this.options.maxPending) {
      this.overflowed = true;
      this.unsubscribe();
    } else {
      const entry: Pending = { event };
      this.pending.push(entry);
      if (this.pending.length <= VERDICTS_AHEAD) this.verdictOf(entry);
    }
    this.wake?.();
  }

  /** The verdict of `entry`, asked for now unless it was already. */
  private verdictOf(entry: Pending): Promise<Verdict> {
    entry.verdict ??= this.options.accepts(entry.event).then((accepted) => ({ accepted }), (error: unknown) => ({ error }));
    return entry.verdict;
  }

  /** Ends the feed with `error` as its last item. */
  private last(error: unknown): IteratorResult<ChangeFeedItem, undefined> {
    this.finish();
    return { value: { error }, done: false };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.unsubscribe();
    this.pending.length = 0;
    this.wake?.();
  }
}

import { BootstrapError, type ChangeType, type EventBus, type EventFilter, type EventHandler, type Logger, type StrataEvent } from '../../lib/plugin-api.js';

interface Listener {
  readonly type: ChangeType | '*';
  readonly handler: EventHandler;
  readonly resource?: string;
}

/**
 * In-process listeners (`strata.events.on`), called after commit in the order they were added. A
 * handler that throws or rejects is logged and never fails the write (it has committed anyway).
 */
export class ListenerBus implements EventBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly logger: Logger) {}

  on(type: ChangeType | '*', handler: EventHandler, filter: EventFilter = {}): () => void {
    if (typeof handler !== 'function') throw new BootstrapError(['strata.events.on needs a handler function']);
    const listener: Listener = { type, handler, ...(filter.resource !== undefined ? { resource: filter.resource } : {}) };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener that wants `event`. */
  emit(event: StrataEvent): void {
    for (const listener of this.listeners) {
      if ((listener.type !== '*' && listener.type !== event.type) || (listener.resource !== undefined && listener.resource !== event.resource)) continue;
      const failed = (error: unknown) => this.logger.error('events: a listener failed; the change is committed regardless', {
        type: event.type, resource: event.resource, id: event.id, error: error instanceof Error ? error.stack ?? error.message : String(error),
      });
      try {
        const result = listener.handler(event);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }
}

import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Counts the requests an app is answering, so a shutdown can wait for them. Long-lived streams
 * (`text/event-stream`) are not waited for: closing Strata ends them. Once `drain()` was called,
 * every answer carries `Connection: close`, so keep-alive clients open their next request elsewhere.
 */
export class RequestTracker {
  private readonly open = new Set<ServerResponse>();
  private idle?: () => void;
  private draining = false;

  /** True once a shutdown began. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Express middleware run before every route. */
  readonly middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    this.open.add(response);
    if (this.draining) response.setHeader('Connection', 'close');
    const done = () => {
      this.open.delete(response);
      if (this.pending() === 0) this.idle?.();
    };
    response.once('finish', done);
    response.once('close', done);
    next();
  };

  /** Requests still being answered, streams aside. */
  pending(): number {
    let count = 0;
    for (const response of this.open) {
      if (!String(response.getHeader('content-type') ?? '').startsWith('text/event-stream')) count += 1;
    }
    return count;
  }

  /** Marks the app as shutting down (`/_ready` answers 503, answers close their connection). */
  drain(): void {
    this.draining = true;
  }

  /** Resolves once no request is pending, or after `timeoutMs`; true when none is pending. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.pending() === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => { this.idle = () => resolve(true); });
    const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    try {
      return await Promise.race([idle, late]);
    } finally {
      clearTimeout(timer);
      this.idle = undefined;
    }
  }
}

/**
 * Stops `server` accepting connections and closes its idle keep-alive connections; the returned
 * promise resolves once every connection is gone. `closeAll` drops the connections left.
 */
export function stopAccepting(server: Server): { closed: Promise<void>; closeAll(): void } {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections?.();
  return { closed, closeAll: () => server.closeAllConnections?.() };
}

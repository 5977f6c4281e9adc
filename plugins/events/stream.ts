import type { Request, Response } from 'express';
import type { StrataEvent } from '../../lib/plugin-api.js';
import type { EventLog, EventQuery } from './log.js';
import type { Wakeups } from './wakeups.js';

/** How a stream reads the log and keeps the connection alive. */
export interface StreamSettings {
  readonly log: EventLog;
  readonly wakeups: Wakeups;
  /** Milliseconds between heartbeat comments (at most 15 000). */
  readonly heartbeatMs: number;
  /** Events read from the log at a time: a stream holds no more than this in memory. */
  readonly batch: number;
  /** Who may see an event, as it is shown to this subscriber; undefined leaves it out. */
  readonly visible?: (event: StrataEvent) => StrataEvent | undefined;
}

/**
 * Serves one Server-Sent Events stream of the change log from `query` (its `after` is where the
 * client resumes: the last id it saw, or the latest id when it starts now). The stream reads the
 * log in batches after the last id it sent, whenever a wakeup says the log may have grown, so it
 * never skips or repeats an event. A slow client is not buffered for: the stream waits for the
 * socket to drain before reading the next batch, so memory stays at one batch per client whatever
 * its lag, and it catches up from the log.
 */
export async function serveEventStream(request: Request, response: Response, query: EventQuery & { after: bigint }, settings: StreamSettings): Promise<void> {
  let cursor = query.after;
  let closed = false;
  let wake: (() => void) | undefined;
  let pending = true;
  const signal = () => {
    pending = true;
    wake?.();
  };
  const unsubscribe = settings.wakeups.subscribe(signal);
  const close = () => {
    closed = true;
    signal();
  };
  request.once('close', close);
  response.once('close', close);
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  response.write(`retry: 2000\n: stream of the change log after event ${cursor}\n\n`);
  const heartbeat = setInterval(() => {
    if (!closed && response.writableLength === 0) response.write(': heartbeat\n\n');
  }, settings.heartbeatMs);
  try {
    while (!closed) {
      if (!pending) await new Promise<void>((resolve) => { wake = resolve; });
      wake = undefined;
      pending = false;
      // Read until the log is exhausted for now; a wakeup meanwhile sets pending again.
      for (let events = await settings.log.read({ ...query, after: cursor }, settings.batch); !closed; events = await settings.log.read({ ...query, after: cursor }, settings.batch)) {
        for (const event of events) {
          cursor = BigInt(event.id);
          const shown = settings.visible ? settings.visible(event) : event;
          if (shown && !response.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(shown)}\n\n`)) await drained(response);
          if (closed) break;
        }
        if (events.length < settings.batch) break;
      }
    }
  } finally {
    clearInterval(heartbeat);
    unsubscribe();
    if (!response.writableEnded) response.end();
  }
}

/** Resolves once the socket took the buffered bytes, or closed. */
function drained(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}

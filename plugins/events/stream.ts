import type { Response } from 'express';
import type { StrataEvent } from '../../lib/plugin-api.js';
import type { EventLog, EventQuery } from './log.js';
import type { EventViewer } from './viewer.js';
import type { Wakeups } from './wakeups.js';

/** How a stream reads the log and keeps the connection alive. */
export interface StreamSettings {
  readonly log: EventLog;
  readonly wakeups: Wakeups;
  /** Milliseconds between heartbeat comments (at most 15 000). */
  readonly heartbeatMs: number;
  /** Milliseconds the stream waits for a client that stopped reading before it closes the connection. */
  readonly stallTimeoutMs: number;
  /** Events read from the log at a time: a stream holds no more than this in memory. */
  readonly batch: number;
  /** The events as this subscriber may see them (permissions); left out, every event is shown as it is. */
  readonly view?: EventViewer;
  /** Aborted when the app closes: the stream ends, and its client reconnects (elsewhere) with its last id. */
  readonly shutdown: AbortSignal;
}

/**
 * Serves one Server-Sent Events stream of the change log from `query` (its `after` is where the
 * client resumes: the last id it saw, or the latest id when it starts now). The stream reads the
 * log in batches after the last id it sent, whenever a wakeup says the log may have grown, so it
 * never skips or repeats an event. A slow client is not buffered for: once the socket stops taking
 * bytes the stream waits for it to drain before writing more or reading the next batch, so memory
 * stays at one batch (plus the socket's high-water mark) per client whatever its lag, and the
 * client catches up from the log; a client whose socket takes nothing for `stallTimeoutMs` is
 * disconnected, and resumes with its last id. Resolves once the stream is over and no longer reads the log.
 */
export async function serveEventStream(response: Response, query: EventQuery & { after: bigint }, settings: StreamSettings): Promise<void> {
  let cursor = query.after;
  let closed = false;
  /** The log may hold events this stream has not read yet. */
  let pending = true;
  /** The socket took less than was written: wait for `drain` before writing more. */
  let blocked = false;
  let wake: (() => void) | undefined;
  const rouse = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const signal = () => {
    pending = true;
    rouse();
  };
  const close = () => {
    closed = true;
    rouse();
  };
  /** The client stopped reading for longer than `stallTimeoutMs`: the connection is closed, and the client resumes with its last id. */
  let stalled = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const block = () => {
    blocked = true;
    stallTimer ??= setTimeout(() => {
      stalled = true;
      close();
    }, settings.stallTimeoutMs);
  };
  const drain = () => {
    blocked = false;
    clearTimeout(stallTimer);
    stallTimer = undefined;
    rouse();
  };
  /** Waits for the next wakeup, drain or close. */
  const sleep = () => new Promise<void>((resolve) => { wake = resolve; });
  const unsubscribe = settings.wakeups.subscribe(signal);
  // The response closes when the client goes away (or once it has ended).
  response.once('close', close);
  response.on('drain', drain);
  settings.shutdown.addEventListener('abort', close, { once: true });
  // The client may have gone, or the app closed, while the route read where to start.
  if (settings.shutdown.aborted || response.destroyed) close();
  const heartbeat = setInterval(() => {
    if (!closed && !blocked && response.writableLength === 0) response.write(': heartbeat\n\n');
  }, settings.heartbeatMs);
  try {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    if (!response.write(`retry: 2000\n: stream of the change log after event ${cursor}\n\n`)) block();
    while (!closed) {
      while (!pending && !closed) await sleep();
      pending = false;
      // Read until the log is exhausted for now; a wakeup meanwhile sets pending again.
      while (!closed) {
        while (blocked && !closed) await sleep();
        if (closed) break;
        const events = await settings.log.read({ ...query, after: cursor }, settings.batch);
        const shownEvents = settings.view ? await settings.view(events) : events;
        for (const [index, event] of events.entries()) {
          while (blocked && !closed) await sleep();
          if (closed) break;
          cursor = BigInt(event.id);
          const shown = shownEvents[index];
          if (shown && !response.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(shown)}\n\n`)) block();
        }
        if (events.length < settings.batch) break;
      }
    }
  } finally {
    clearInterval(heartbeat);
    clearTimeout(stallTimer);
    unsubscribe();
    response.off('close', close);
    response.off('drain', drain);
    settings.shutdown.removeEventListener('abort', close);
    // A stalled client cannot take even the end of the stream: cut the connection.
    if (stalled) response.destroy();
    else if (!settings.shutdown.aborted) response.end();
    // The app is closing: close the connection too, so a server.close() waiting for it returns now
    // rather than after the keep-alive timeout; a client that stopped reading is cut off.
    else if (blocked) response.destroy();
    else {
      const socket = response.socket;
      response.end(() => socket?.end());
    }
  }
}

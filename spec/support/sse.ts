/** One Server-Sent Event as a client parses it. */
export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/** An open SSE connection: messages arrive in `messages`; comments (heartbeats) are counted. */
export interface SseClient {
  readonly status: number;
  readonly contentType: string;
  readonly messages: SseMessage[];
  comments: number;
  /** Resolves when the stream is over: the server ended it, the connection broke, or `close()`. */
  readonly ended: Promise<void>;
  /** Resolves once `count` messages have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  close(): void;
}

/**
 * Opens `url` as an EventSource would (Accept: text/event-stream, optional Last-Event-ID) and parses
 * the stream as it arrives.
 * @example const stream = await openSse(`${baseUrl}/_events`); await stream.waitFor(1);
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let end!: () => void;
  const ended = new Promise<void>((resolve) => { end = resolve; });
  const client: SseClient = {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    messages,
    comments: 0,
    ended,
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${messages.length} of ${count} SSE messages arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
  if (response.body && client.contentType.startsWith('text/event-stream')) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message: SseMessage = {};
            let fields = 0;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) client.comments++;
              const match = /^(id|event|data): ?(.*)$/.exec(line);
              if (match) {
                message[match[1] as keyof SseMessage] = match[2];
                fields++;
              }
            }
            if (fields > 0 && message.data !== undefined) messages.push(message);
            for (const waiter of [...waiters]) waiter();
          }
        }
      } catch {
        // Aborted by close().
      } finally {
        end();
      }
    })();
  } else {
    end();
  }
  return client;
}

import WebSocket from 'ws';

/** A message of the graphql-ws protocol (`graphql-transport-ws`) as the server sent it. */
export interface ProtocolMessage {
  type: string;
  id?: string;
  payload?: any;
}

/** An open, acknowledged graphql-ws connection spoken at the protocol level, so a test sees every message. */
export interface GraphQLSocket {
  /** Every message the server sent after the acknowledgement, in order. */
  readonly messages: readonly ProtocolMessage[];
  /** Sends a `subscribe` message (for any operation) with this id. */
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** Sends a `complete` message: the client stops operation `id`. */
  complete(id: string): void;
  /** The messages of operation `id` (next, error, complete), in order. */
  messagesOf(id: string): ProtocolMessage[];
  /** Resolves once operation `id` has `count` messages (rejects after `timeoutMs`, saying what arrived). */
  waitFor(id: string, count: number, timeoutMs?: number): Promise<ProtocolMessage[]>;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/**
 * Opens a graphql-ws connection to `url` (`ws://…/graphql`), sends `connection_init` and waits for
 * `connection_ack`.
 * @example const socket = await openGraphQLSocket(`${app.baseUrl.replace('http', 'ws')}/graphql`); socket.subscribe('1', 'subscription { … }');
 */
export async function openGraphQLSocket(url: string, headers: Record<string, string> = {}): Promise<GraphQLSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  const messages: ProtocolMessage[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const acknowledged = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`the upgrade was answered ${response.statusCode}`)));
    void closed.then(({ code, reason }) => reject(new Error(`closed before the acknowledgement: ${code} ${reason}`)));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ProtocolMessage;
      if (message.type === 'connection_ack') resolve();
      else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (message.type !== 'pong') {
        messages.push(message);
        for (const wake of waiters) wake();
      }
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
  });
  await acknowledged;
  const messagesOf = (id: string) => messages.filter((message) => message.id === id);
  return {
    messages,
    subscribe: (id, query, variables) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    complete: (id) => socket.send(JSON.stringify({ id, type: 'complete' })),
    messagesOf,
    waitFor(id, count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messagesOf(id).length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messagesOf(id).slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${messagesOf(id).length} of ${count} messages of operation ${id} arrived within ${timeoutMs} ms: ${JSON.stringify(messagesOf(id))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    closed,
    close: () => socket.close(),
  };
}

/** Tries a WebSocket upgrade that the server should refuse; returns the HTTP status and body it answered with. */
export function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => reject(error));
  });
}

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running receiver: where to post, what it got so far, and how to stop it. */
export interface Receiver {
  readonly url: string;
  /** Every JSON body received, in arrival order. */
  readonly received: unknown[];
  close(): Promise<void>;
}

/** Options of `startReceiver`. */
export interface ReceiverOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Where a line per received event goes (default `console.log`). */
  print?: (line: string) => void;
}

/**
 * A tiny HTTP server on 127.0.0.1 standing in for another system that wants to hear about
 * articles: it takes JSON POSTs, prints one line each and answers 204.
 * @example const receiver = await startReceiver({ port: 3001 }); // receiver.url === 'http://127.0.0.1:3001/'
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const print = options.print ?? console.log;
  const received: unknown[] = [];
  const server = createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    readBody(request).then((text) => {
      const event = JSON.parse(text) as { id?: string; type?: string; resource?: string; resourceId?: string; by?: string | null };
      received.push(event);
      print(`receiver: event ${event.id} ${event.type} ${event.resource}/${event.resourceId} by ${event.by ?? 'anonymous'}`);
      response.writeHead(204).end();
    }).catch(() => response.writeHead(400).end());
  });
  await new Promise<void>((resolve, reject) => server.listen(options.port ?? 0, '127.0.0.1', resolve).once('error', reject));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

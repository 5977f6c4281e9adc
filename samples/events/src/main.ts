import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { startReceiver } from './receiver.js';

const receiver = await startReceiver({ port: Number(process.env.RECEIVER_PORT ?? 3001) });
// FORWARD_TO sends the events elsewhere (a URL nothing answers at shows how a failing receiver is logged).
const { app, strata } = await createApp({ forwardTo: process.env.FORWARD_TO ?? receiver.url });
// Only this machine can reach it unless HOST says otherwise (HOST=0.0.0.0 for every interface).
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3000), host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));

const base = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
console.log(`Strata events sample is running (database: ${process.env.STRATA_DATABASE_URL ?? 'sqlite:./data/strata.sqlite'})`);
console.log(`  Articles      ${base}/articles   (send X-User: <name> to be the author)`);
console.log(`  Author stats  ${base}/author-stats`);
console.log(`  Events        ${base}/_events    (Accept: text/event-stream for the live stream)`);
console.log(`  Receiver      ${receiver.url}   (prints each article event it is sent${process.env.FORWARD_TO ? `; events go to ${process.env.FORWARD_TO} instead` : ''})`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();   // open event streams too
  await closed;
  await strata.close();
  await receiver.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

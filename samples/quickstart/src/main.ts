import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const { app, strata } = await createApp();
// Only this machine can reach it unless HOST says otherwise (HOST=0.0.0.0 for every interface).
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(port, host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));

const base = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
console.log(`Strata quickstart is running (database: ${process.env.STRATA_DATABASE_URL ?? 'sqlite:./data/strata.sqlite'})`);
console.log(`  REST     ${base}/authors`);
console.log(`           ${base}/articles`);
// The API docs and GraphQL come from plugins that may not be in this version yet: show only what answers.
for (const [name, path] of [['Docs', '/docs'], ['GraphQL', '/graphql']]) {
  const answers = await fetch(`${base}${path}`, { headers: { Accept: 'text/html' } }).then((response) => response.status !== 404, () => false);
  console.log(answers ? `  ${name.padEnd(8)} ${base}${path}` : `  ${name.padEnd(8)} not available yet in this version of Strata`);
}
console.log('Press Ctrl+C to stop.');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;
  await strata.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

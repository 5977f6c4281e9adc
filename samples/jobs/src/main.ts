import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const { app, strata } = await createApp();
// Only this machine can reach it unless HOST says otherwise (HOST=0.0.0.0 for every interface).
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(port, host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));

const base = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
console.log('Strata jobs sample is running');
console.log(`  Reports  ${base}/reports`);
console.log(`  Docs     ${base}/docs`);
console.log(process.env.STRATA_JOBS_WORKER === 'false' ? '  Worker   none here: run `npm run worker`' : '  Worker   in this process');
console.log('Press Ctrl+C to stop.');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down (running reports get up to 10 s to finish)`);
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;
  await strata.close();
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

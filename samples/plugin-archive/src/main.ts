import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

const { app, strata } = await createApp();
// Only this machine can reach it unless HOST says otherwise (HOST=0.0.0.0 for every interface).
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3000), host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
const base = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
console.log(`Strata archive-plugin sample: ${base}/notes, POST ${base}/notes/:id/archive, docs at ${base}/docs, GraphQL at ${base}/graphql`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
    void strata.close().then(() => process.exit(0));
  });
}

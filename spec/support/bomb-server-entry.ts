/**
 * The server the bomb tests (spec/functional/bombs.test.ts) attack, in a child process of its own so
 * its memory can be measured: the `Specimen` and `Ledger` resources of the hostile-input suites on
 * SQLite in memory with the default plugins, on 127.0.0.1. It sends `{ port }` over IPC once
 * listening, and answers each `'memory'` message with its memory after a garbage collection: `rss`,
 * `heapUsed` and `maxRss` (the peak resident size since start, in bytes).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { bootstrap } from '../../index.js';
import { Ledger, Specimen } from './hostile.js';

const app = express();
const strata = await bootstrap(app, { database: 'sqlite::memory:', resources: [Specimen, Ledger], logLevel: 'silent' });
const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.send?.({ rss, heapUsed, maxRss: process.resourceUsage().maxRSS * 1024 });
});
process.once('disconnect', () => {
  server.close();
  server.closeAllConnections();
  void strata.close().then(() => process.exit(0));
});

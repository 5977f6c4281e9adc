/**
 * An app server the multi-process events tests start as a child process (compiled to
 * dist/spec/support/events-server-entry.js, run by spec/support/event-servers.ts): a `Memo`
 * resource with the events plugin, served over HTTP on 127.0.0.1. The database comes from
 * STRATA_DATABASE_URL; EVENTS_POLL_MS sets the plugin's poll (set it high to prove that
 * LISTEN/NOTIFY, not the poll, carries a change between servers). It prints
 * `listening on <port>` once ready, and on SIGTERM closes as a deployment would: it stops
 * accepting connections, closes Strata (which ends the open event streams) and exits once every
 * connection is gone.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { IsInt, IsOptional, Length } from 'class-validator';
import express from 'express';
import { bootstrap, eventsPlugin, Resource } from '../../index.js';

/** A short note; `n` orders them. */
@Resource()
export class Memo {
  @Length(1, 100) text!: string;
  @IsOptional() @IsInt() n?: number;
}

const app = express();
const strata = await bootstrap(app, {
  resources: [Memo],
  plugins: [eventsPlugin({ pollMs: Number(process.env.EVENTS_POLL_MS ?? 1000) })],
  logLevel: 'warn',
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  void strata.close().then(() => closed).then(() => {
    console.log('stopped');
    process.exit(0);
  });
});

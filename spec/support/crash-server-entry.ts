/**
 * The server the group-commit crash test kills (compiled to dist/spec/support/crash-server-entry.js,
 * run by spec/functional/group-commit-crash.test.ts): a `Ticket` resource with a unique `code`, the
 * events plugin (so each change also appends to the change log), and a hook that fails a create
 * after its rows are written when its text is `after hook fails`. The database comes from
 * STRATA_DATABASE_URL; it prints `listening on <port>` once ready. It is stopped with SIGKILL only.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { IsOptional, IsInt, Length } from 'class-validator';
import express from 'express';
import { bootstrap, definePlugin, eventsPlugin, Indexed, Resource, StrataError } from '../../index.js';

/** A ticket: a unique code and a short text; `n` changes on PATCH. */
@Resource()
export class Ticket {
  @Indexed({ unique: true }) @Length(1, 40) code!: string;
  @Length(1, 100) text!: string;
  @IsOptional() @IsInt() n?: number;
}

/** The text that makes the `after` hook throw once the create's rows and event are written. */
export const FAILING_TEXT = 'after hook fails';

const failingHook = definePlugin({
  name: 'failing-hook',
  configure(context) {
    context.hooks.after('create', (hook) => {
      if ((hook.input.data as { text?: unknown }).text === FAILING_TEXT) throw new StrataError('CONFLICT', 'the after hook refused this ticket');
    });
  },
});

const app = express();
await bootstrap(app, { resources: [Ticket], plugins: [eventsPlugin(), failingHook], logLevel: 'warn' });
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
});

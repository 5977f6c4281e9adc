/**
 * An app server the shutdown tests start as a child process (compiled to
 * dist/spec/support/ops-server-entry.js): a `Note` resource and a `Tick` job, served on 127.0.0.1
 * with `strata.installSignalHandlers({ server })`, as an app's own server would. The database comes
 * from STRATA_DATABASE_URL. It prints `listening on <port>` once ready. To hold work in flight
 * across a SIGTERM without timing: a Note created with `waitForSignal: true` waits in a before-create
 * hook until the process got SIGTERM (printing `note waiting` first), and a Tick with
 * `waitForSignal: true` does the same in its handler (printing `tick waiting`). STRATA_LOG_LEVEL sets
 * the log level (default warn); a request's `X-User` header names its caller.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { IsBoolean, IsOptional, Length } from 'class-validator';
import express from 'express';
import { bootstrap, definePlugin, Job, jobsPlugin, Resource, type BootstrapOptions, type JobHandler } from '../../index.js';

let signalled: () => void;
const signal = new Promise<void>((resolve) => { signalled = resolve; });
process.on('SIGTERM', () => signalled());

const tick: JobHandler<Tick> = async (job) => {
  if (job.waitForSignal) {
    console.log('tick waiting');
    await signal;
  }
  return { done: true };
};

/** A short note. */
@Resource()
export class Note {
  @Length(1, 100) text!: string;
  @IsOptional() @IsBoolean() waitForSignal?: boolean;
}

/** A job that may wait for SIGTERM before it succeeds. */
@Resource()
@Job({ handler: tick })
export class Tick {
  @IsOptional() @IsBoolean() waitForSignal?: boolean;
}

const app = express();
const strata = await bootstrap(app, {
  resources: [Note, Tick],
  plugins: [
    jobsPlugin({ processEvery: 100, checkInterval: 100 }),
    definePlugin({
      name: 'wait-for-signal',
      configure(context) {
        context.hooks.before({ operations: 'create', resources: [Note] }, async (hook) => {
          if ((hook.input.data as Partial<Note> | undefined)?.waitForSignal !== true) return;
          console.log('note waiting');
          await signal;
        });
      },
    }),
  ],
  logLevel: (process.env.STRATA_LOG_LEVEL ?? 'warn') as BootstrapOptions['logLevel'],
  currentUser: (request) => {
    const user = (request as { headers: Record<string, string | undefined> }).headers['x-user'];
    return user ? { id: user } : null;
  },
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
});
strata.installSignalHandlers({ server, shutdownTimeoutMs: 10_000 });

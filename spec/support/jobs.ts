import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { definePlugin, type Database, type StrataPlugin } from '../../index.js';

/**
 * Polls `check` until it returns something other than undefined/false, or fails after `timeout` ms
 * with `what` in the message.
 * @example const done = await waitFor(async () => (await jobs.get(id))._job.status === 'succeeded' || undefined, 'the job to succeed');
 */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeout = 10_000, every = 25): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** A plugin that hands out the app's Database once it is open (for direct checks of the queue). */
export function databaseProbe(): { plugin: StrataPlugin; database(): Database } {
  let database: Database | undefined;
  return {
    plugin: definePlugin({ name: 'database-probe', mount(context) { database = context.database; } }),
    database() {
      if (!database) throw new Error('the database is open from the mount phase on');
      return database;
    },
  };
}

/** The compiled `strata` command. */
export const STRATA_BIN = fileURLToPath(new URL('../../bin/strata.js', import.meta.url));
/** The compiled worker entry used by the process tests (spec/support/job-worker-entry.ts). */
export const WORKER_ENTRY = fileURLToPath(new URL('./job-worker-entry.js', import.meta.url));

/** A `strata worker` child process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Sends SIGTERM and waits for it to exit; resolves to its exit code. */
  stop(): Promise<number | null>;
  /** Kills it with SIGKILL (no shutdown at all) and waits for it to be gone. */
  kill(): Promise<void>;
}

/**
 * Starts `node dist/bin/strata.js worker <entry>` with `environment` added, and waits until it
 * says it is ready.
 */
export async function startWorker(environment: Record<string, string>, entry = WORKER_ENTRY): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [STRATA_BIN, 'worker', entry], { env: { ...process.env, ...environment }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = once(child, 'exit');
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}: ${output}`);
    return output.includes(' ready:') || undefined;
  }, 'the worker to be ready', 20_000);
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code as number | null;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

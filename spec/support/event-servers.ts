import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from './jobs.js';

/** The compiled server entry the multi-process events tests run (spec/support/events-server-entry.ts). */
export const EVENTS_SERVER_ENTRY = fileURLToPath(new URL('./events-server-entry.js', import.meta.url));

/** An app server running in a child process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Everything it printed so far. */
  output(): string;
  /** Sends SIGTERM and waits for it to exit (at most `timeoutMs`, else it is killed and this rejects). */
  stop(timeoutMs?: number): Promise<void>;
  /** Kills it with SIGKILL (no shutdown at all) and waits for it to be gone. */
  kill(): Promise<void>;
}

/**
 * Starts `node events-server-entry.js` with `environment` added (STRATA_DATABASE_URL at least) and
 * waits until it listens.
 * @example const server = await startEventServer({ STRATA_DATABASE_URL: url }); await fetch(`${server.baseUrl}/memos`);
 */
export async function startEventServer(environment: Record<string, string>, entry = EVENTS_SERVER_ENTRY): Promise<ServerProcess> {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...environment }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = once(child, 'exit');
  const port = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${output}`);
    return /listening on (\d+)/.exec(output)?.[1];
  }, 'the server to listen', 20_000);
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code, signal] = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`the server did not stop within ${timeoutMs} ms of SIGTERM (exit ${String(code)}, ${String(signal)}): ${output}`);
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

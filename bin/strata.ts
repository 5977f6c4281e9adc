#!/usr/bin/env node
/**
 * The `strata` command. `strata worker <entry>` runs the jobs of an app without HTTP: `<entry>` is
 * a module whose default export (or export named `options`) is the app's bootstrap options, e.g.
 * `export default { resources: [SendEmail, Report], database: process.env.STRATA_DATABASE_URL }`.
 * `strata api-keys create|list|revoke` manages the auth plugin's API keys (bin/api-keys.ts).
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BootstrapOptions, JobsService, StrataPlugin } from '../index.js';
import { API_KEYS_USAGE, apiKeysCommand } from './api-keys.js';

const USAGE = `Usage: strata worker <entry>
       strata blobs gc <entry> [--grace-hours <n>]

  worker    Runs the background jobs of the app whose bootstrap options <entry> exports
            (export default { resources, database }), with no HTTP server. Stops on SIGINT or
            SIGTERM, waiting for running jobs.
  blobs gc  Removes the blobs (docs/blobs.md) that no revision, current or old, names any more and
            that were stored more than --grace-hours ago (default 24).
  Environment: STRATA_DATABASE_URL, STRATA_LOG_LEVEL.

${API_KEYS_USAGE}`;

/** The bootstrap options <entry> exports, or undefined (after saying why). */
async function loadOptions(command: string, entry: string): Promise<BootstrapOptions | undefined> {
  const loaded = await import(pathToFileURL(resolve(entry)).href) as { default?: unknown; options?: unknown };
  const options = (loaded.default ?? loaded.options) as BootstrapOptions | undefined;
  if (!options || typeof options !== 'object' || !Array.isArray(options.resources)) {
    console.error(`strata ${command}: ${entry} must export its bootstrap options as default (or as "options"): export default { resources: [...], database: '…' }`);
    return undefined;
  }
  return options;
}

/** `strata blobs gc <entry> [--grace-hours n]`. */
async function blobsGc(args: string[]): Promise<number> {
  const [entry, flag, value, ...rest] = args;
  const graceHours = flag === undefined ? 24 : flag === '--grace-hours' && value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!entry || Number.isNaN(graceHours) || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const options = await loadOptions('blobs gc', entry);
  if (!options) return 2;
  const { bootstrap } = await import('../index.js');
  const strata = await bootstrap(null, { ...options, plugins: options.plugins?.filter((plugin: StrataPlugin) => !plugin.requires?.includes('http')) ?? [] });
  try {
    const result = await strata.blobs.gc({ graceMs: graceHours * 3600_000 });
    console.log(`strata blobs gc: removed ${result.removed.length}, kept ${result.referenced} referenced and ${result.young} younger than ${graceHours} h`);
  } finally {
    await strata.close();
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, entry, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'blobs' && entry === 'gc') return blobsGc(rest);
  if (command === 'api-keys') return apiKeysCommand(argv.slice(1));
  if (command !== 'worker' || !entry || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const options = await loadOptions('worker', entry);
  if (!options) return 2;
  const { bootstrap } = await import('../index.js');
  // A worker has no app: plugins that serve HTTP (they require the `http` service) are left out.
  const plugins = options.plugins?.filter((plugin: StrataPlugin) => !plugin.requires?.includes('http'));
  const strata = await bootstrap(null, { ...options, ...(plugins ? { plugins } : {}) });
  try {
    if (strata.models.some((model) => model.job)) await strata.service<JobsService>('jobs').startWorker();
    const jobs = strata.models.filter((model) => model.job).map((model) => model.name);
    console.log(`strata worker ${process.pid} ready: running ${jobs.join(', ') || 'no jobs (no @Job resource)'}`);
    await new Promise<void>((done) => {
      const stop = (signal: string) => {
        console.log(`strata worker ${process.pid}: ${signal}, finishing running jobs`);
        done();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  } finally {
    await strata.close();
  }
  console.log(`strata worker ${process.pid} stopped`);
  return 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  console.error(`strata ${process.argv[2] ?? ''}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

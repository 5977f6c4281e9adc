import 'reflect-metadata';
import express, { type Express } from 'express';
import { bootstrap, type Strata } from 'strata';
import options from './strata.config.js';

/**
 * Builds the jobs sample's Express app: REST (with the jobs routes), OpenAPI and a worker in this
 * process (unless `STRATA_JOBS_WORKER=false`, when `npm run worker` processes do the work).
 * @example const { app, strata } = await createApp({ database: 'sqlite::memory:' });
 */
export async function createApp(overrides: { database?: string } = {}): Promise<{ app: Express; strata: Strata }> {
  const app = express();
  const strata = await bootstrap(app, { ...options, ...overrides });
  return { app, strata };
}

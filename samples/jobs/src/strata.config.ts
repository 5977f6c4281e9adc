import 'reflect-metadata';
import type { BootstrapOptions } from 'strata';
import { NightlyCleanup, Report } from './models.js';

/**
 * The app's bootstrap options, shared by the web server (`main.ts`) and by worker processes:
 * `strata worker dist/strata.config.js` runs the same handlers without HTTP.
 */
export default {
  resources: [Report, NightlyCleanup],
  database: process.env.STRATA_DATABASE_URL ?? 'sqlite:./data/jobs.sqlite',
} satisfies BootstrapOptions;

import 'reflect-metadata';
import express, { type Express } from 'express';
import { bootstrap, type Strata } from 'strata';
import { archivePlugin } from './archive-plugin.js';
import { Note } from './models.js';

/**
 * The sample's app: notes with the default plugins plus the archive plugin. Tests call it with
 * `sqlite::memory:`; `main.ts` calls it and listens.
 */
export async function createApp(options: { database?: string } = {}): Promise<{ app: Express; strata: Strata }> {
  const app = express();
  const strata = await bootstrap(app, { resources: [Note], database: options.database, plugins: [archivePlugin({ resources: [Note] })] });
  return { app, strata };
}

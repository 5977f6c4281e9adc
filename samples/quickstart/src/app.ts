import 'reflect-metadata';
import express, { type Express } from 'express';
import { bootstrap, type Strata } from 'strata';
import { Article, Author } from './models.js';

/** Options of the quickstart app. */
export interface QuickstartOptions {
  /** Database URL (default `STRATA_DATABASE_URL`, else `sqlite:./data/strata.sqlite`). */
  database?: string;
  /** Where cover images are stored (default `file:./data/blobs`). */
  blobs?: string;
}

/**
 * Builds the quickstart's Express app: authors and articles with the default plugins. Tests call it
 * with `sqlite::memory:`; `main.ts` calls it and listens.
 * @example const { app, strata } = await createApp({ database: 'sqlite::memory:' });
 */
export async function createApp(options: QuickstartOptions = {}): Promise<{ app: Express; strata: Strata }> {
  const app = express();
  const strata = await bootstrap(app, {
    resources: [Author, Article],
    database: options.database,
    ...(options.blobs ? { blobs: options.blobs } : {}),
    // Who made a change, for the history (`_revert { by }`): a demo header; a real app authenticates.
    currentUser: (request) => {
      const user = (request as { header(name: string): string | undefined }).header('x-user');
      return user ? { id: user } : null;
    },
  });
  return { app, strata };
}

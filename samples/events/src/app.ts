import 'reflect-metadata';
import express, { type Express, type Request } from 'express';
import { bootstrap, eventsPlugin, type Strata } from 'strata';
import { articleEventsPlugin } from './article-events-plugin.js';
import { Article } from './models.js';

/** Options of the events sample's app. */
export interface EventsSampleOptions {
  /** Database URL (default `STRATA_DATABASE_URL`, else `sqlite:./data/strata.sqlite`). */
  database?: string;
  /** Where the plugin posts each article event after commit (`main.ts` passes its receiver's URL). */
  forwardTo?: string;
}

/**
 * The sample's app: articles with the default plugins, the events plugin (the change log,
 * `GET /_events`, `strata.events`) and the article-events plugin. Tests call it with
 * `sqlite::memory:`; `main.ts` calls it and listens.
 * @example const { app, strata } = await createApp({ database: 'sqlite::memory:', forwardTo: receiver.url });
 */
export async function createApp(options: EventsSampleOptions = {}): Promise<{ app: Express; strata: Strata }> {
  const app = express();
  const strata = await bootstrap(app, {
    resources: [Article],
    database: options.database,
    // A stand-in for real authentication: the caller is whoever X-User names, else anonymous.
    currentUser: (request) => {
      const id = (request as Request).header('X-User');
      return id ? { id } : null;
    },
    plugins: [eventsPlugin(), articleEventsPlugin({ forwardTo: options.forwardTo })],
  });
  return { app, strata };
}

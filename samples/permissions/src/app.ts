import 'reflect-metadata';
import express, { type Express } from 'express';
import { authPlugin, bootstrap, permissionsPlugin, type Strata } from 'strata';
import { Article } from './models.js';

/** Options of the permissions sample's app. */
export interface PermissionsSampleOptions {
  /** Database URL (default `STRATA_DATABASE_URL`, else `sqlite:./data/strata.sqlite`). */
  database?: string;
  /** The HS256 secret JWT bearer tokens are signed with (default `JWT_SECRET`). */
  secret: string;
}

/**
 * The sample's app: articles whose `@Allow` rules say who may do what (src/models.ts), callers
 * signed in with JWT bearer tokens or API keys (`authPlugin`), and every call checked
 * (`permissionsPlugin`). Tests call it with `sqlite::memory:`; `main.ts` calls it and listens.
 * @example const { app, strata } = await createApp({ database: 'sqlite::memory:', secret });
 */
export async function createApp(options: PermissionsSampleOptions): Promise<{ app: Express; strata: Strata }> {
  const app = express();
  const strata = await bootstrap(app, {
    resources: [Article],
    database: options.database,
    plugins: [authPlugin({ jwt: { secret: options.secret }, apiKeys: true }), permissionsPlugin()],
  });
  return { app, strata };
}

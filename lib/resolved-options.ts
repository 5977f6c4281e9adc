import type { LogLevel } from './logger.js';
import type { CurrentUser } from './manager/context.js';
import type { QueryLimits } from './query/index.js';

/**
 * Options with environment variables and defaults applied: what every plugin reads as
 * `context.options`. The plugins to run are bootstrap's business (see `resolveOptions`); keeping them
 * out lets the plugin context name this type without an import cycle back to lib/plugin.
 */
export interface ResolvedOptions {
  resources: Function[];
  database: string;
  currentUser(request: unknown): CurrentUser | null | Promise<CurrentUser | null>;
  limits: QueryLimits;
  logLevel: LogLevel;
  /** Where `@Blob` bytes are stored and how large one upload may be (docs/blobs.md). */
  blobs: { store: string; maxBytes: number };
  /** Origins whose pages may send writes from a browser (bootstrap's `cors.origins`). */
  cors: { origins: string[] };
  /** Problems with the options themselves. */
  problems: string[];
}

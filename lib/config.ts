import type { StrataPlugin } from './plugin/definePlugin.js';
import type { CurrentUser } from './manager/context.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import type { QueryLimits } from './query/index.js';
import type { ResolvedOptions } from './resolved-options.js';

/** Options of `bootstrap(app, options)`. */
export interface BootstrapOptions {
  /** The resource classes, listed explicitly. */
  resources: Function[];
  /** Database URL (default `STRATA_DATABASE_URL`, else `sqlite:./data/strata.sqlite`). */
  database?: string;
  /**
   * Plugins added to the defaults (REST, GraphQL, OpenAPI with an app; jobs when a `@Job` resource
   * exists). A listed plugin named like a default replaces it, so `restPlugin({ … })` configures REST.
   */
  plugins?: StrataPlugin[];
  /** `false` leaves the default plugins out: only `plugins` run. */
  defaultPlugins?: boolean;
  /** Who is making a request; `null` for anonymous. */
  currentUser?(request: unknown): CurrentUser | null | Promise<CurrentUser | null>;
  /** Search limits (default from `STRATA_DEFAULT_QUERY_LIMIT` / `STRATA_MAX_QUERY_LIMIT`, else 20 / 1000). */
  limits?: Partial<QueryLimits>;
  /** Log level (default `STRATA_LOG_LEVEL`, else `info`). */
  logLevel?: LogLevel;
  /**
   * Blob storage (docs/blobs.md): `store` (default `file:./data/blobs`) and `maxBytes` per upload
   * (default 100 MB); a string is short for `{ store }`.
   */
  blobs?: string | { store?: string; maxBytes?: number };
  /**
   * Cross-origin browsers: `origins` lists the origins (`https://app.example.com`) whose pages may
   * send writes; a POST, PUT, PATCH or DELETE from any other site is a 403 (docs/rest.md#security).
   */
  cors?: { origins?: string[] };
}

/** Resolved options plus the plugins to run, which only bootstrap reads. */
export interface ResolvedBootstrapOptions extends ResolvedOptions {
  plugins?: StrataPlugin[];
}

/** The default largest upload to `POST /_blobs`: 100 MB. */
export const DEFAULT_BLOB_MAX_BYTES = 100 * 1024 * 1024;

/** The default database: a SQLite file under ./data. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/strata.sqlite';

/** Applies environment variables and defaults; problems are collected, not thrown. */
export function resolveOptions(options: BootstrapOptions, environment: NodeJS.ProcessEnv = process.env): ResolvedBootstrapOptions {
  const problems: string[] = [];
  const whole = (name: string, value: number | undefined, fallback: number): number => {
    const raw = value ?? (environment[name] !== undefined ? Number(environment[name]) : fallback);
    if (!Number.isInteger(raw) || raw < 1) {
      problems.push(`${name} must be a whole number of at least 1, got ${String(environment[name] ?? value)}`);
      return fallback;
    }
    return raw;
  };
  const defaultLimit = whole('STRATA_DEFAULT_QUERY_LIMIT', options.limits?.defaultLimit, 20);
  const maxLimit = whole('STRATA_MAX_QUERY_LIMIT', options.limits?.maxLimit, 1000);
  if (defaultLimit > maxLimit) problems.push(`the default query limit (${defaultLimit}) is above the maximum (${maxLimit})`);
  const logLevel = (options.logLevel ?? environment.STRATA_LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`${options.logLevel !== undefined ? 'options.logLevel' : 'STRATA_LOG_LEVEL'} must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  }
  if (!Array.isArray(options.resources)) problems.push('options.resources must be an array of resource classes');
  const blobs = typeof options.blobs === 'string' ? { store: options.blobs } : options.blobs ?? {};
  const maxBytes = blobs.maxBytes ?? DEFAULT_BLOB_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) problems.push(`blobs.maxBytes must be a whole number of bytes of at least 1, got ${String(blobs.maxBytes)}`);
  return {
    resources: Array.isArray(options.resources) ? options.resources : [],
    database: options.database ?? environment.STRATA_DATABASE_URL ?? DEFAULT_DATABASE_URL,
    plugins: options.plugins,
    currentUser: options.currentUser ?? (() => null),
    limits: { defaultLimit, maxLimit },
    logLevel: LOG_LEVELS.includes(logLevel) ? logLevel : 'info',
    blobs: { store: blobs.store ?? 'file:./data/blobs', maxBytes: Number.isSafeInteger(maxBytes) && maxBytes >= 1 ? maxBytes : DEFAULT_BLOB_MAX_BYTES },
    cors: { origins: corsOrigins(options.cors, problems) },
    problems,
  };
}

function corsOrigins(cors: BootstrapOptions['cors'], problems: string[]): string[] {
  const origins = cors?.origins ?? [];
  if (!Array.isArray(origins) || !origins.every((origin) => typeof origin === 'string' && /^https?:\/\/[^/\s]+\/?$/i.test(origin))) {
    problems.push('options.cors.origins must be a list of origins such as https://app.example.com');
    return [];
  }
  return origins;
}

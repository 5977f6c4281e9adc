/**
 * The `strata` package: the core API plus the built-in plugins, and a `bootstrap` that mounts the
 * default plugins when none are listed. (lib/ never imports plugins/; this file joins them.)
 */
import { bootstrap as bootstrapCore, type BootstrapOptions, type Strata, type StrataPlugin } from './lib/index.js';
import { restPlugin } from './plugins/rest/index.js';
import { openApiPlugin } from './plugins/openapi/index.js';

export * from './lib/index.js';
export { restPlugin, type RestOptions } from './plugins/rest/index.js';
export { openApiPlugin, type OpenApiOptions } from './plugins/openapi/index.js';

/** The plugins used when `options.plugins` is left out: the HTTP plugins when there is an app to mount them on. */
export function defaultPlugins(app: unknown): StrataPlugin[] {
  return app ? [restPlugin(), openApiPlugin()] : [];
}

/**
 * Reads the metadata of `options.resources`, validates it, prepares storage and mounts the plugins
 * (by default REST and OpenAPI on `app`).
 * @example const strata = await bootstrap(express(), { resources: [User] });
 */
export function bootstrap(app: unknown, options: BootstrapOptions): Promise<Strata> {
  return bootstrapCore(app, { ...options, plugins: options.plugins ?? defaultPlugins(app) });
}

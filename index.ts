/**
 * The `strata` package: the core API plus the built-in plugins, and a `bootstrap` that adds the
 * default plugins to the listed ones. (lib/ never imports plugins/; this file joins them.)
 */
import { bootstrap as bootstrapCore, isJobResource, type BootstrapOptions, type Strata, type StrataPlugin } from './lib/plugin-api.js';
import { restPlugin } from './plugins/rest/index.js';
import { graphqlPlugin } from './plugins/graphql/index.js';
import { openApiPlugin } from './plugins/openapi/index.js';
import { jobsPlugin } from './plugins/jobs/index.js';

export * from './lib/plugin-api.js';
export { restPlugin, type RestOptions } from './plugins/rest/index.js';
export { graphqlPlugin, type GraphQLOptions, type GraphQLContext } from './plugins/graphql/index.js';
export { openApiPlugin, type OpenApiOptions } from './plugins/openapi/index.js';
export { jobsPlugin, type JobsOptions, type JobsService } from './plugins/jobs/index.js';
export { eventsPlugin, type EventsOptions } from './plugins/events/index.js';
export { webhooksPlugin, type WebhooksOptions } from './plugins/webhooks/index.js';
export { authPlugin, type AuthOptions, type JwtOptions, type ApiKey, type ApiKeysService, type CreatedApiKey } from './plugins/auth/index.js';
export { permissionsPlugin, type PermissionsOptions, type PolicyRuleInput } from './plugins/permissions/index.js';

/** The default plugin that provides each service: a listed plugin requiring the service brings it. */
const SERVICE_PROVIDERS: Readonly<Record<string, () => StrataPlugin>> = { jobs: () => jobsPlugin() };

/**
 * The default plugins: the HTTP plugins when there is an app to mount them on, and the provider of
 * each service a listed plugin requires and no other listed plugin provides (`jobs`, so the webhooks
 * plugin brings the jobs plugin). A `@Job` resource, the app's or a listed plugin's own, requires
 * `jobs` too (with or without an app, so a `strata worker` process gets it as well).
 */
export function defaultPlugins(app: unknown, resources: readonly Function[] = [], listed: readonly StrataPlugin[] = []): StrataPlugin[] {
  const plugins = app ? [restPlugin(), graphqlPlugin(), openApiPlugin()] : [];
  const pluginResources = listed.flatMap((plugin) => (Array.isArray(plugin?.resources) ? plugin.resources : []));
  const required = new Set(listed.flatMap((plugin) => (Array.isArray(plugin?.requires) ? plugin.requires : [])));
  if ([...(Array.isArray(resources) ? resources : []), ...pluginResources].some(isJobResource)) required.add('jobs');
  for (const [service, factory] of Object.entries(SERVICE_PROVIDERS)) {
    if (!required.has(service)) continue;
    const provider = factory();
    // A listed plugin of another name providing the service stands in for the default one.
    const providedElsewhere = listed.some((plugin) => plugin?.name !== provider.name && Array.isArray(plugin?.provides) && plugin.provides.includes(service));
    if (!providedElsewhere) plugins.push(provider);
  }
  return plugins;
}

/**
 * Reads the metadata of `options.resources`, validates it, prepares storage and mounts the default
 * plugins plus `options.plugins` (a listed plugin named like a default replaces it;
 * `defaultPlugins: false` leaves the defaults out).
 * @example const strata = await bootstrap(express(), { resources: [User], plugins: [restPlugin({ bodyLimit: '2mb' })] });
 */
export function bootstrap(app: unknown, options: BootstrapOptions): Promise<Strata> {
  const listed = options.plugins ?? [];
  const defaults = options.defaultPlugins === false ? [] : defaultPlugins(app, options.resources, listed);
  // A listed plugin named like a default takes the default's place, so the order stays the defaults' order.
  const replacements = new Set<StrataPlugin>();
  const replacement = (plugin: StrataPlugin) => {
    const found = listed.find((candidate) => candidate?.name === plugin.name);
    if (found) replacements.add(found);
    return found ?? plugin;
  };
  const merged = defaults.map(replacement);
  // Everything else listed follows, a second plugin of a default's name too (bootstrap reports it as listed twice).
  const added = listed.filter((plugin) => !replacements.has(plugin));
  return bootstrapCore(app, { ...options, plugins: [...merged, ...added] });
}

import type { Express } from 'express';
import { definePlugin, type PluginContext, type StrataPlugin } from '../../lib/plugin-api.js';
import { buildOpenApiDocument } from './document.js';
import { mountSwaggerUi } from './swagger-ui.js';
import type { OpenApiDocument, ServerObject } from './types.js';

export type { OpenApiDocument, ServerObject } from './types.js';

/** Options of the OpenAPI plugin. */
export interface OpenApiOptions {
  /** Where the document is served (default `/openapi.json`). */
  path?: string;
  /** Where Swagger UI is served (default `/docs`); `false` serves no UI. */
  docsPath?: string | false;
  /** `info.title` and the Swagger UI page title (default `Strata API`). */
  title?: string;
  /** `info.version`, the version of your API (default `1.0.0`). */
  version?: string;
  /** `info.description`. */
  description?: string;
  /** `servers` of the document, e.g. `[{ url: 'https://api.example.com' }]`; left out by default (same origin). */
  servers?: ServerObject[];
}

/**
 * The OpenAPI plugin: an OpenAPI 3.1 document of every operation in the operation table (the REST
 * plugin serves the same table), served at `/openapi.json`, and Swagger UI at `/docs` from local files.
 * @example await bootstrap(app, { resources: [User], plugins: [restPlugin(), openApiPlugin({ title: 'Shop API' })] });
 */
export function openApiPlugin(options: OpenApiOptions = {}): StrataPlugin {
  const path = options.path ?? '/openapi.json';
  const docsPath = options.docsPath ?? '/docs';
  const info = { title: options.title ?? 'Strata API', version: options.version ?? '1.0.0', ...(options.description ? { description: options.description } : {}) };
  return definePlugin({
    name: 'openapi',
    requires: ['http'],
    validate(context) {
      return optionProblems(path, docsPath, context);
    },
    mount(context) {
      const app = context.app as Express;
      const securitySchemes = context.securitySchemes();
      const authenticates = Object.keys(securitySchemes).length > 0;
      const document: OpenApiDocument = buildOpenApiDocument({
        models: context.models, operations: context.operations, limits: context.options.limits, info, servers: options.servers,
        securitySchemes,
        // A caller can authenticate: any operation can refuse a bad credential (401). With the permissions
        // plugin every operation can be refused: 401 for an anonymous caller, 403 for another.
        routes: context.describedRoutes(),
        commonProblems: context.has('permissions') ? [401, 403] : authenticates ? [401] : [],
      });
      const body = JSON.stringify(document);
      app.get(path, (_request, response) => {
        response.type('application/json').send(body);
      });
      if (docsPath !== false) mountSwaggerUi(app, { docsPath, documentUrl: path, title: info.title });
    },
  });
}

/** Paths must be absolute and must not fall under a resource collection (REST, mounted first, would answer them). */
function optionProblems(path: string, docsPath: string | false, context: PluginContext): string[] {
  const problems: string[] = [];
  const paths = docsPath === false ? [['path', path]] : [['path', path], ['docsPath', docsPath]];
  for (const [option, value] of paths) {
    if (!value.startsWith('/')) {
      problems.push(`option ${option} must be an absolute path such as /${value}; got ${value}`);
      continue;
    }
    const model = context.models.find((candidate) => value === `/${candidate.names.path}` || value.startsWith(`/${candidate.names.path}/`));
    if (model) problems.push(`option ${option} ${value} is inside the REST routes of ${model.name} (/${model.names.path}); choose another ${option}`);
  }
  if (path === docsPath) problems.push(`options path and docsPath are both ${path}; give them different paths`);
  return problems;
}

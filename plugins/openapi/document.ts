import type { Logger, ResourceModel } from '../../lib/index.js';
import type { QueryLimits } from '../../lib/query/index.js';
import { resourceRoutes } from '../rest/index.js';
import { sharedHeaders, sharedParameters, sharedResponses } from './components.js';
import type { MountedRoute } from './controllers.js';
import { describeOperation, isDescribedRoute } from './operations.js';
import { querySchemas } from './query-schemas.js';
import { resourceSchemaNames, resourceSchemas } from './resource-schemas.js';
import { sharedSchemas } from './shared-schemas.js';
import type { OpenApiDocument, ServerObject } from './types.js';

/** What the document is built from. */
export interface DocumentInput {
  /** Every resource with the routes its REST controller really mounts. */
  readonly resources: ReadonlyMap<ResourceModel, readonly MountedRoute[]>;
  readonly limits: QueryLimits;
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly servers?: readonly ServerObject[];
  readonly logger: Logger;
}

/**
 * Builds the OpenAPI 3.1 document: one operation per mounted route (paths sorted, so the document
 * is stable), the shared and per-resource component schemas, and the shared parameters, headers
 * and problem responses. operationIds are unique: `operationIdProblems` refused clashes at validate.
 */
export function buildOpenApiDocument(input: DocumentInput): OpenApiDocument {
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: { ...input.info },
    ...(input.servers ? { servers: input.servers.map((server) => ({ ...server })) } : {}),
    tags: [],
    paths: {},
    components: { schemas: sharedSchemas(), parameters: sharedParameters(), headers: sharedHeaders(), responses: sharedResponses() },
  };
  for (const [model, routes] of input.resources) {
    const names = resourceSchemaNames(model);
    Object.assign(document.components.schemas, resourceSchemas(model), querySchemas(model, names, input.limits));
    document.tags.push({ name: model.name, ...(model.description ? { description: model.description } : {}) });
    const summaries = new Map(resourceRoutes(model).map((route) => [route.name, route.summary]));
    for (const route of [...routes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      if (!isDescribedRoute(route.routeName)) {
        input.logger.warn('openapi: a mounted route has no description; it is documented with a generic 200 response', { resource: model.name, route: route.routeName });
      }
      const operation = describeOperation({
        model, names, limits: input.limits, routeName: route.routeName, pathParameters: route.pathParameters,
        summary: summaries.get(route.routeName) ?? `${route.method.toUpperCase()} ${route.path}`,
      });
      (document.paths[route.path] ??= {})[route.method] = operation;
    }
  }
  return document;
}

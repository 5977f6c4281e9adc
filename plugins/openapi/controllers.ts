import { getMetadataArgsStorage, MetadataArgsStorage } from 'routing-controllers';
import { routingControllersToSpec } from 'routing-controllers-openapi';
import type { ResourceModel } from '../../lib/index.js';
import { toOpenApi31Schema } from './openapi31.js';
import type { HttpMethod, ParameterObject, SchemaObject } from './types.js';

/** One route that routing-controllers really mounts, as routing-controllers-openapi reads it. */
export interface MountedRoute {
  /** The controller method name, which is the REST route name (`create`, `get` …). */
  readonly routeName: string;
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. `/users/{id}/revisions/{n}`. */
  readonly path: string;
  readonly pathParameters: readonly ParameterObject[];
}

const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

/** How many controllers routing-controllers knows now; controllers registered later are newer. */
export function controllerCount(): number {
  return getMetadataArgsStorage().controllers.length;
}

/**
 * The controller the REST plugin registered for each model since `sinceCount` controllers existed:
 * the newest controller whose route is the model's collection path. Earlier apps in the same process
 * registered theirs before, so they are never picked up.
 */
export function restControllers(models: readonly ResourceModel[], sinceCount: number): Map<ResourceModel, Function> {
  const recent = getMetadataArgsStorage().controllers.slice(sinceCount);
  const found = new Map<ResourceModel, Function>();
  for (const model of models) {
    const controller = recent.findLast((candidate) => candidate.route === `/${model.names.path}`);
    if (controller) found.set(model, controller.target);
  }
  return found;
}

/**
 * The routes of one controller, from routing-controllers-openapi's `routingControllersToSpec` run
 * over that controller's metadata alone (it would otherwise describe every controller in the
 * process). Its OpenAPI 3.0 path parameter schemas are converted to 3.1.
 */
export function mountedRoutes(controller: Function): MountedRoute[] {
  const skeleton = routingControllersToSpec(metadataOf(controller));
  const routes: MountedRoute[] = [];
  for (const [path, pathItem] of Object.entries(skeleton.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as { operationId?: string; parameters?: ParameterObject[] } | undefined;
      if (!operation?.operationId) continue;
      // routing-controllers-openapi names operations `<ControllerClass>.<method>`.
      const routeName = operation.operationId.slice(`${controller.name}.`.length);
      const pathParameters = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => ({ ...parameter, schema: toOpenApi31Schema((parameter.schema ?? {}) as SchemaObject) }));
      routes.push({ routeName, method, path, pathParameters });
    }
  }
  return routes;
}

/** A metadata storage holding only `controller`'s controller, actions, parameters and response handlers. */
function metadataOf(controller: Function): MetadataArgsStorage {
  const global = getMetadataArgsStorage();
  const scoped = new MetadataArgsStorage();
  scoped.controllers.push(...global.controllers.filter((entry) => entry.target === controller));
  scoped.actions.push(...global.actions.filter((entry) => entry.target === controller));
  scoped.params.push(...global.params.filter((entry) => entry.object.constructor === controller));
  scoped.responseHandlers.push(...global.responseHandlers.filter((entry) => entry.target === controller));
  return scoped;
}

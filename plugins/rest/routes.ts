import type { Request, Response } from 'express';
import { StrataError, type CurrentUser, type Logger, type ResourceManager, type ResourceModel } from '../../lib/index.js';
import { exportNdjson, importNdjson } from './ndjson.js';
import {
  ACCEPT_PATCH, checkIfMatch, flag, jsonBody, mediaType, notModified, PATCH_MEDIA_TYPES, positiveInteger,
  sendJson, sendResource, writeOptions,
} from './request.js';

/** What a route handler gets: the request, the response, the resource's manager and the current user. */
export interface RouteContext {
  request: Request;
  response: Response;
  manager: ResourceManager;
  user: CurrentUser | null;
  logger: Logger;
}

/** One generated REST route; the OpenAPI plugin describes the same table. */
export interface RouteDefinition {
  /** Stable name, unique per resource (`create`, `list`, `get` …); operationIds are `<name><Resource>`. */
  readonly name: string;
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Path below the collection, e.g. `/:id/revisions/:n`. */
  readonly path: string;
  readonly summary: string;
  handle(context: RouteContext): Promise<Response>;
}

/**
 * The routes of DESIGN.md section 4 for one resource, system routes (`/_…`) first so they win over
 * `/:id`. Each handler translates HTTP into one manager call; the rules live in the manager.
 */
export function resourceRoutes(model: ResourceModel): RouteDefinition[] {
  const builtIn = builtInRoutes(model);
  const added = addedRoutes.get(model) ?? [];
  const replaced = (route: RouteDefinition) => added.find((candidate) => candidate.name === route.name) ?? route;
  return [...builtIn.map(replaced), ...added.filter((route) => !builtIn.some((candidate) => candidate.name === route.name))];
}

const addedRoutes = new WeakMap<ResourceModel, RouteDefinition[]>();

/**
 * Adds another plugin's routes below a resource's collection, e.g. the jobs plugin's
 * `POST /:id/rerun`. Call it in `configure` (REST mounts later); an added route named like a
 * built-in one replaces it. Each route is one manager call, like the built-in ones.
 */
export function addResourceRoutes(model: ResourceModel, routes: readonly RouteDefinition[]): void {
  addedRoutes.set(model, [...(addedRoutes.get(model) ?? []).filter((route) => !routes.some((added) => added.name === route.name)), ...routes]);
}

function builtInRoutes(model: ResourceModel): RouteDefinition[] {
  const name = model.name;
  const a = withArticle(name);
  return [
    {
      name: 'search', method: 'post', path: '/_search', summary: `Search ${name} resources with a JSON query`,
      async handle({ request, response, manager, user }) {
        return sendJson(response, 200, await manager.list(jsonBody(request) as object, { user }));
      },
    },
    {
      name: 'count', method: 'get', path: '/_count', summary: `Count ${name} resources matching a filter`,
      async handle({ request, response, manager, user }) {
        const { where, filter, q, deleted, ...rest } = request.query;
        if (Object.keys(rest).length > 0) throw StrataError.badQuery(`unknown parameter(s) ${Object.keys(rest).join(', ')}; _count takes where, filter, q and deleted`);
        return sendJson(response, 200, { count: await manager.count({ where, filter, q, deleted } as never, { user }) });
      },
    },
    {
      name: 'bulkCreate', method: 'post', path: '/_bulk', summary: `Create many ${name} resources in one transaction`,
      async handle({ request, response, manager, user }) {
        const body = jsonBody(request);
        if (!Array.isArray(body)) throw StrataError.badRequest('_bulk takes a JSON array of resources');
        return sendJson(response, 201, await manager.createMany(body, { user, draft: flag(request.query.draft, 'draft') }));
      },
    },
    {
      name: 'export', method: 'get', path: '/_export', summary: `Export every ${name} with its full history as NDJSON`,
      async handle({ response, manager, user, logger }) {
        return exportNdjson(response, manager, user, logger);
      },
    },
    {
      name: 'import', method: 'post', path: '/_import', summary: `Import ${name} resources with their history from NDJSON`,
      async handle({ request, response, manager, user }) {
        return sendJson(response, 200, await importNdjson(request, manager, user));
      },
    },
    {
      name: 'create', method: 'post', path: '/', summary: `Create ${a}`,
      async handle({ request, response, manager, user }) {
        const created = await manager.create(jsonBody(request) as object, { user, draft: flag(request.query.draft, 'draft') });
        const location = `${request.baseUrl}${request.path.replace(/\/$/, '')}/${encodeURIComponent(created.id)}`;
        return sendResource(response, 201, created, { Location: location });
      },
    },
    {
      name: 'list', method: 'get', path: '/', summary: `List and search ${name} resources`,
      async handle({ request, response, manager, user }) {
        return sendJson(response, 200, await manager.list(request.query as object, { user }));
      },
    },
    {
      name: 'get', method: 'get', path: '/:id', summary: `Read ${a} (or an old revision with ?revision=n)`,
      async handle({ request, response, manager, user }) {
        const revision = positiveInteger(request.query.revision, 'revision');
        const resource = await manager.get(request.params.id, { user, revision });
        response.setHeader('Accept-Patch', ACCEPT_PATCH);
        if (notModified(request, resource._meta.etag)) {
          response.setHeader('ETag', resource._meta.etag);
          response.status(304).end();
          return response;
        }
        return sendResource(response, 200, resource);
      },
    },
    {
      name: 'replace', method: 'put', path: '/:id', summary: `Replace ${a} (new revision)`,
      async handle({ request, response, manager, user }) {
        await precondition(request, manager, user);
        return sendResource(response, 200, await manager.update(request.params.id, jsonBody(request) as object, writeOptions(request, user, true)));
      },
    },
    {
      name: 'patch', method: 'patch', path: '/:id', summary: `Patch ${a} with JSON Patch or JSON Merge Patch`,
      async handle({ request, response, manager, user }) {
        await precondition(request, manager, user);
        const format = PATCH_MEDIA_TYPES[mediaType(request)];
        if (!format) {
          response.setHeader('Accept-Patch', ACCEPT_PATCH);
          throw new StrataError('UNSUPPORTED_MEDIA_TYPE', `PATCH takes ${ACCEPT_PATCH}; got ${mediaType(request) || 'no Content-Type'}`);
        }
        const patched = await manager.patch(request.params.id, jsonBody(request, Object.keys(PATCH_MEDIA_TYPES)), { ...writeOptions(request, user, true), format });
        return sendResource(response, 200, patched);
      },
    },
    {
      name: 'delete', method: 'delete', path: '/:id', summary: `Delete ${a} (soft; ?purge=true deletes for good)`,
      async handle({ request, response, manager, user }) {
        const purge = flag(request.query.purge, 'purge');
        if (purge) await manager.purge(request.params.id, writeOptions(request, user));
        else await manager.delete(request.params.id, writeOptions(request, user));
        response.status(204).end();
        return response;
      },
    },
    {
      name: 'restore', method: 'post', path: '/:id/restore', summary: `Restore a deleted ${name}`,
      async handle({ request, response, manager, user }) {
        return sendResource(response, 200, await manager.restore(request.params.id, writeOptions(request, user)));
      },
    },
    {
      name: 'revisions', method: 'get', path: '/:id/revisions', summary: `List the revisions of ${a}`,
      async handle({ request, response, manager, user }) {
        const limit = positiveInteger(request.query.limit, 'limit');
        const cursor = typeof request.query.cursor === 'string' ? request.query.cursor : undefined;
        return sendJson(response, 200, await manager.revisions(request.params.id, { user, limit, cursor }));
      },
    },
    {
      name: 'revision', method: 'get', path: '/:id/revisions/:n', summary: `Read one revision of ${a} with its data`,
      async handle({ request, response, manager, user }) {
        return sendJson(response, 200, await manager.revision(request.params.id, positiveInteger(request.params.n, 'n')!, { user }));
      },
    },
    {
      name: 'diff', method: 'get', path: '/:id/diff', summary: `JSON Patch between two revisions of ${a}`,
      async handle({ request, response, manager, user }) {
        const from = positiveInteger(request.query.from, 'from');
        const to = positiveInteger(request.query.to, 'to');
        if (from === undefined || to === undefined) throw StrataError.badRequest('diff needs both from and to revision numbers');
        return sendJson(response, 200, await manager.diff(request.params.id, from, to, { user }));
      },
    },
    {
      name: 'switch', method: 'post', path: '/:id/switch/:n', summary: `Make an older revision of ${a} current`,
      async handle({ request, response, manager, user }) {
        const n = positiveInteger(request.params.n, 'n')!;
        return sendResource(response, 200, await manager.switch(request.params.id, n, writeOptions(request, user)));
      },
    },
    {
      name: 'publish', method: 'post', path: '/:id/publish', summary: `Publish the current draft of ${a}`,
      async handle({ request, response, manager, user }) {
        return sendResource(response, 200, await manager.publish(request.params.id, writeOptions(request, user)));
      },
    },
  ];
}

/** Checks If-Match against the current state before the body is read (the manager checks again atomically). */
async function precondition(request: Request, manager: ResourceManager, user: CurrentUser | null): Promise<void> {
  if (request.header('If-Match') === undefined) return;
  checkIfMatch(request, await manager.get(request.params.id, { user }));
}

/** `a User`, `an Author`: the indefinite article by the name's first letter (good enough for summaries). */
export function withArticle(name: string): string {
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}

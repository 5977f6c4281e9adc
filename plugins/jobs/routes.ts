import { StrataError, type ResourceModel } from '../../lib/index.js';
import { flag, jsonBody, positiveInteger, sendJson, sendResource, withArticle, writeOptions, type RouteDefinition } from '../rest/index.js';
import type { JobsRuntime } from './runtime.js';

/**
 * The REST routes of a job resource, added below its collection: create with `?runAt=`, `rerun`,
 * `cancel` and `logs` (docs/jobs.md). Each is one manager call; the logs route reads the
 * job through the manager first, so read hooks and permissions apply to its logs too.
 */
export function jobRoutes(model: ResourceModel, runtime: JobsRuntime): RouteDefinition[] {
  const name = model.name;
  return [
    {
      name: 'create', method: 'post', path: '/', summary: `Create ${withArticle(name)} job and queue it (?runAt= schedules it)`,
      async handle({ request, response, manager, user }) {
        const runAt = request.query.runAt;
        if (runAt !== undefined && typeof runAt !== 'string') throw StrataError.badRequest('runAt must be one ISO-8601 date-time');
        const created = await manager.create(jsonBody(request) as object, { user, draft: flag(request.query.draft, 'draft'), ...(runAt === undefined ? {} : { runAt }) });
        const location = `${request.baseUrl}${request.path.replace(/\/$/, '')}/${encodeURIComponent(created.id)}`;
        return sendResource(response, 201, created, { Location: location });
      },
    },
    {
      name: 'rerun', method: 'post', path: '/:id/rerun', summary: `Queue a finished ${name} job again (new revision)`,
      async handle({ request, response, manager, user }) {
        return sendResource(response, 200, await manager.jobs!.rerun(request.params.id, writeOptions(request, user)));
      },
    },
    {
      name: 'cancel', method: 'post', path: '/:id/cancel', summary: `Cancel a queued or running ${name} job (aborts its signal)`,
      async handle({ request, response, manager, user }) {
        return sendResource(response, 200, await manager.jobs!.cancel(request.params.id, writeOptions(request, user)));
      },
    },
    {
      name: 'logs', method: 'get', path: '/:id/logs', summary: `Read the log lines of ${withArticle(name)} job, oldest first`,
      async handle({ request, response, manager, user }) {
        const { defaultLimit, maxLimit } = runtime.context.options.limits;
        const limit = positiveInteger(request.query.limit, 'limit') ?? defaultLimit;
        if (limit > maxLimit) throw StrataError.badQuery(`limit must be at most ${maxLimit}`);
        const cursor = request.query.cursor;
        if (cursor !== undefined && typeof cursor !== 'string') throw StrataError.badQuery('cursor must be one string');
        const job = await manager.get(request.params.id, { user });
        return sendJson(response, 200, await runtime.logs.page(model.name, job.id, limit, cursor));
      },
    },
  ];
}

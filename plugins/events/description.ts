import { CHANGE_TYPES, type DescribedRoute } from '../../lib/plugin-api.js';

const text = (description: string, extra: Record<string, unknown> = {}) => ({ schema: { type: 'string', maxLength: 500, ...extra }, description });
const query = (name: string, description: string, extra: Record<string, unknown> = {}) => ({ in: 'query', name, required: false, ...text(description, extra) });

/** `GET /_events` for OpenAPI (docs/events.md): the SSE stream and the pages of past events. */
export function eventsRouteDescription(resources: readonly string[], maxLimit: number): DescribedRoute {
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  return {
    method: 'get',
    path: '/_events',
    schemas: {
      StrataEvent: {
        type: 'object',
        description: 'One committed change (docs/events.md).',
        properties: {
          id: { type: 'string', pattern: '^[0-9]+$', description: 'The sequence number; later events have larger ones. Resume after it with Last-Event-ID or after.' },
          type: { type: 'string', enum: [...CHANGE_TYPES] },
          resource: { type: 'string', enum: [...resources], description: 'The resource\'s path segment.' },
          resourceId: { type: 'string' },
          revision: { type: ['integer', 'null'], description: 'The current revision after the change; null once purged.' },
          at: { type: 'string', format: 'date-time' },
          by: { type: ['string', 'null'], description: 'Who made the change; null for anonymous or system writes.' },
          data: { type: ['object', 'null'], description: 'The resource after the change, as the caller may see it; null once purged.' },
        },
        required: ['id', 'type', 'resource', 'resourceId', 'revision', 'at', 'by', 'data'],
      },
      StrataEventPage: {
        type: 'object',
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/StrataEvent' } },
          nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null at the end of the log.' },
        },
        required: ['items', 'nextCursor'],
      },
    },
    operation: {
      operationId: 'events',
      summary: 'The change log: a live SSE stream, or pages of past events',
      description: 'With `Accept: text/event-stream`, a Server-Sent Events stream (`id:` the sequence, `event:` the type, `data:` the event JSON, a heartbeat comment at least every 15 s) starting after `Last-Event-ID` or `after`, else at the next event. Otherwise a page of past events, oldest first. Shows what a list by the caller would show (docs/permissions.md).',
      tags: ['Events'],
      parameters: [
        query('resource', 'Only events of this resource (its path segment).', { enum: [...resources] }),
        query('type', `Only events of these types, comma-separated: ${CHANGE_TYPES.join(', ')}.`),
        query('resourceId', 'Only events of this resource id.'),
        query('after', 'Stream only: resume after this event id (as Last-Event-ID).', { pattern: '^[0-9]+$' }),
        query('by', 'Pages only: events made by this user id.'),
        query('since', 'Pages only: events at or after this ISO-8601 date-time.', { format: 'date-time' }),
        query('until', 'Pages only: events before this ISO-8601 date-time.', { format: 'date-time' }),
        { in: 'query', name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: maxLimit }, description: 'Pages only: events per page.' },
        query('cursor', 'Pages only: nextCursor of the previous page.'),
        { in: 'header', name: 'Last-Event-ID', required: false, schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'Stream only: resume after this event id (EventSource sends it when it reconnects).' },
      ],
      responses: {
        200: {
          description: 'The stream (text/event-stream) or a page of events (application/json).',
          content: {
            'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events: `id`, `event` and `data` (a StrataEvent) per event.' } },
            'application/json': { schema: { $ref: '#/components/schemas/StrataEventPage' } },
          },
        },
        400: { description: 'A bad parameter: BAD_QUERY naming it.', content: problem },
      },
    },
  };
}

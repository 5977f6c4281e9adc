import type { DescribedRoute } from '../../lib/plugin-api.js';

const CHECK = { type: 'string', maxLength: 500, description: '`ok`, or what is wrong.' };

/** The component schemas of `/_health` and `/_ready`. */
const SCHEMAS = {
  StrataHealth: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['ok'] } },
    required: ['status'],
  },
  StrataReadiness: {
    type: 'object',
    description: 'What the readiness probe checked (docs/operations.md); a process that is not ready answers a 503 problem instead.',
    properties: {
      status: { type: 'string', enum: ['ready'] },
      checks: {
        type: 'object',
        properties: {
          database: CHECK,
          schema: CHECK,
          workers: { ...CHECK, description: '`ok`, `none` when this process runs no job worker by design, or what is wrong.' },
          shutdown: { ...CHECK, description: '`ok` (a shutdown makes the probe answer 503).' },
        },
        required: ['database', 'schema', 'workers', 'shutdown'],
      },
    },
    required: ['status', 'checks'],
  },
} as const;

/** `GET /_health` and `GET /_ready` for OpenAPI. */
export function healthRouteDescriptions(): DescribedRoute[] {
  const json = (name: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } });
  return [
    {
      method: 'get',
      path: '/_health',
      schemas: { StrataHealth: SCHEMAS.StrataHealth },
      operation: {
        operationId: 'health',
        summary: 'Liveness: the process answers',
        description: 'Answers 200 as long as the process serves HTTP; it reads nothing. Point a liveness probe here.',
        tags: ['Operations'],
        responses: { 200: { description: 'The process is alive.', content: json('StrataHealth') } },
      },
    },
    {
      method: 'get',
      path: '/_ready',
      schemas: { StrataReadiness: SCHEMAS.StrataReadiness },
      operation: {
        operationId: 'ready',
        summary: 'Readiness: the database answers, its schema is in step, the job worker runs',
        description: 'Answers 200 when this process can serve: the database answers, every table and column the resources need exists, the job worker runs where one should, and no shutdown began. Otherwise 503 with the reason. Point a readiness probe (or a load balancer\'s health check) here.',
        tags: ['Operations'],
        responses: {
          200: { description: 'Ready to serve.', content: json('StrataReadiness') },
          503: { description: 'Not ready: UNAVAILABLE, its `errors` naming each failing check (`path`: database, schema, workers or shutdown) and what is wrong.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        },
      },
    },
  ];
}

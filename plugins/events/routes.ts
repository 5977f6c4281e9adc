import type { Request, RequestHandler, Response } from 'express';
import { CHANGE_TYPES, sendJson, sendProblem, StrataError, type ChangeType, type PluginContext } from '../../lib/plugin-api.js';
import { parseEventId, type EventLog, type EventQuery } from './log.js';
import { serveEventStream, type StreamSettings } from './stream.js';
import { eventViewer, type EventViewer } from './viewer.js';

/** Every event type (docs/events.md). */
export const EVENT_TYPES: readonly ChangeType[] = CHANGE_TYPES;

const FILTERS = ['resource', 'type', 'resourceId'];
const STREAM_PARAMETERS = [...FILTERS, 'after'];
const PAGE_PARAMETERS = [...FILTERS, 'by', 'since', 'until', 'limit', 'cursor'];

/**
 * `GET /_events`: with `Accept: text/event-stream` a live SSE stream (resuming after
 * `Last-Event-ID` or `?after=`, else starting at the next event), otherwise a page of past events,
 * oldest first (the audit trail). Every bad parameter is a 400 naming it. Each open stream is in
 * `streams` until it no longer reads the log, so the app can wait for them as it closes.
 */
export function eventsRoute(context: PluginContext, log: EventLog, settings: Omit<StreamSettings, 'log'>, streams: Set<Promise<void>>): RequestHandler {
  const resources = new Set(context.models.map((model) => model.names.path));
  return async (request: Request, response: Response) => {
    try {
      // The caller first: a bad credential is a 401 here as on every route, whatever the parameters.
      const user = await context.currentUser(request);
      const stream = (request.header('Accept') ?? '').includes('text/event-stream');
      const query = request.query as Record<string, unknown>;
      const allowed = stream ? STREAM_PARAMETERS : PAGE_PARAMETERS;
      const unknown = Object.keys(query).filter((name) => !allowed.includes(name));
      if (unknown.length > 0) throw StrataError.badQuery(`unknown parameter(s) ${unknown.join(', ')}; /_events takes ${allowed.join(', ')}`);
      const filters = readFilters(query, resources);
      // The feed as the caller may see it: a `list` of each resource by them decides (docs/permissions.md).
      const view = eventViewer(context, user);
      if (stream) {
        const resume = request.header('Last-Event-ID') ?? single(query.after, 'after');
        const from = resume === undefined ? undefined : parseEventId(resume, request.header('Last-Event-ID') !== undefined ? 'Last-Event-ID' : 'after');
        // The app is closing: drop the connection, so the client reconnects (to another server) with its last id.
        if (settings.shutdown.aborted) {
          response.destroy();
          return;
        }
        const served = (async () => {
          const after = from ?? await log.latestId();
          await serveEventStream(response, { ...filters, after }, { ...settings, log, view });
        })();
        streams.add(served);
        try {
          await served;
        } finally {
          streams.delete(served);
        }
        return;
      }
      sendJson(response, 200, await page(log, query, filters, context, view));
    } catch (error) {
      sendProblem(request, response, error, context.logger);
    }
  };
}

async function page(log: EventLog, query: Record<string, unknown>, filters: EventQuery, context: PluginContext, view: EventViewer) {
  const { defaultLimit, maxLimit } = context.options.limits;
  const limitText = single(query.limit, 'limit');
  const limit = limitText === undefined ? defaultLimit : Number(limitText);
  if (!/^[1-9]\d*$/.test(limitText ?? '1') || limit > maxLimit) throw StrataError.badQuery(`limit must be a whole number from 1 to ${maxLimit}`);
  const cursorText = single(query.cursor, 'cursor');
  const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
  const by = single(query.by, 'by');
  const since = dateTime(query.since, 'since');
  const until = dateTime(query.until, 'until');
  const events = await log.read({ ...filters, ...(after !== undefined ? { after } : {}), ...(by !== undefined ? { by } : {}), ...(since ? { since } : {}), ...(until ? { until } : {}) }, limit + 1);
  const read = events.slice(0, limit);
  // Events the caller may not see are left out; the cursor still follows the log, so a short page can precede a full one.
  const items = (await view(read)).filter((event) => event !== undefined);
  return { items, nextCursor: events.length > limit ? Buffer.from(`e:${read[read.length - 1].id}`).toString('base64url') : null };
}

function readFilters(query: Record<string, unknown>, resources: ReadonlySet<string>): EventQuery {
  const resource = single(query.resource, 'resource');
  if (resource !== undefined && !resources.has(resource)) throw StrataError.badQuery(`resource must be one of ${[...resources].join(', ')}; got ${resource}`);
  const typeText = single(query.type, 'type');
  const types = typeText === undefined ? undefined : typeText.split(',').map((type) => type.trim());
  const wrong = types?.filter((type) => !EVENT_TYPES.includes(type as ChangeType)) ?? [];
  if (wrong.length > 0) throw StrataError.badQuery(`type must be among ${EVENT_TYPES.join(', ')}; got ${wrong.join(', ')}`);
  const resourceId = single(query.resourceId, 'resourceId');
  return { ...(resource !== undefined ? { resource } : {}), ...(types ? { types } : {}), ...(resourceId !== undefined ? { resourceId } : {}) };
}

/** One string parameter, or undefined; repeated or nested parameters are a 400. */
function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 500) throw StrataError.badQuery(`${name} must be given once, as text of at most 500 characters`);
  return value;
}

function dateTime(value: unknown, name: string): string | undefined {
  const text = single(value, name);
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) throw StrataError.badQuery(`${name} must be an ISO-8601 date or date-time`);
  return new Date(time).toISOString();
}

function decodeCursor(cursor: string): bigint {
  const match = /^e:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw StrataError.badQuery('cursor is not an events cursor; pass nextCursor from the previous page');
  return BigInt(match[1]);
}

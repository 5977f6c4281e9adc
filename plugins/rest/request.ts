import type { Request, Response } from 'express';
import { decodeUtf8, parseEntityTags, parseJsonText, sendJson, StrataError, type ResourceView } from '../../lib/plugin-api.js';

/** The media type of the request body without parameters, lowercased ('' when there is none). */
export function mediaType(request: Request): string {
  return (request.header('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Parses the raw body (read by `express.raw`) as JSON. The media type must be one of `allowed`
 * (else 415); a body that is not JSON is a 400. Called only after preconditions were checked.
 */
export function jsonBody(request: Request, allowed: readonly string[] = ['application/json']): unknown {
  const type = mediaType(request);
  if (!allowed.includes(type)) {
    throw new StrataError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${allowed.join(' or ')}, got ${type || 'none'}`);
  }
  const raw = Buffer.isBuffer(request.body) ? decodeUtf8(request.body) : '';
  if (raw.trim() === '') throw StrataError.badRequest('The request body is empty; send a JSON document');
  return parseJsonText(raw);
}

/** A whole, positive number from a query or path parameter, or undefined when absent. */
export function positiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[1-9]\d*$/.test(value)) throw StrataError.badRequest(`${name} must be a positive whole number`);
  return Number(value);
}

/** A boolean query flag (`true`/`false`, absent = false). */
export function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === '') return true;
  throw StrataError.badRequest(`${name} must be true or false`);
}

/**
 * RFC 9110 If-Match, evaluated before the body is read: strong comparison, `*` matches any current
 * representation, a weak tag never matches.
 */
export function checkIfMatch(request: Request, current: ResourceView): void {
  const header = request.header('If-Match');
  if (header === undefined) return;
  const tags = parseEntityTags(header);
  if (!tags.some((tag) => tag === '*' || tag === current._meta.etag)) {
    throw StrataError.preconditionFailed(`If-Match ${header} does not match the current ETag ${current._meta.etag}`);
  }
}

/** RFC 9110 If-None-Match for GET: weak comparison; true when the client's copy is current (send 304). */
export function notModified(request: Request, etag: string): boolean {
  const header = request.header('If-None-Match');
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  return parseEntityTags(header).some((tag) => tag === '*' || opaque(tag) === opaque(etag));
}

/** Sends one resource with its ETag (header and `_meta.etag`). */
export function sendResource(response: Response, status: number, resource: ResourceView, headers: Record<string, string> = {}): Response {
  return sendJson(response, status, resource, { ETag: resource._meta.etag, ...headers });
}

import { StrataError } from '../errors/index.js';
import type { StoredState } from '../storage/rows.js';
import type { WriteOptions } from './context.js';
import { etagOf } from './state.js';

const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Parses an `If-Match` / `If-None-Match` header value into its entity tags (RFC 9110): `*` alone,
 * or a comma-separated list of `"tag"` / `W/"tag"`. Anything else (`W/*`, `*, "x"`, a bare word) is
 * malformed: BAD_REQUEST, never read as `*` or as no tag.
 */
export function parseEntityTags(header: string | readonly string[]): string[] {
  const text = (typeof header === 'string' ? header : header.join(',')).trim();
  if (text === '*') return ['*'];
  const tags = text.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  if (tags.length === 0 || !tags.every((tag) => ENTITY_TAG.test(tag))) {
    throw StrataError.badRequest(`${JSON.stringify(text.slice(0, 100))} is not an entity-tag list; send * or one or more "etag" values (from ETag or _meta.etag)`);
  }
  return tags;
}

/**
 * Optimistic concurrency (RFC 9110 strong comparison): fails with PRECONDITION_FAILED unless the
 * current revision is `expectedRevision` and the current ETag is among `ifMatch`. A weak tag never matches.
 */
export function checkPreconditions(state: StoredState, options: WriteOptions): void {
  if (options.expectedRevision !== undefined && (!Number.isInteger(options.expectedRevision) || options.expectedRevision < 1)) {
    throw StrataError.badRequest('expectedRevision must be a whole number from 1');
  }
  if (options.expectedRevision !== undefined && options.expectedRevision !== state.revision) {
    throw StrataError.preconditionFailed(`expected revision ${options.expectedRevision} but the current revision is ${state.revision}`);
  }
  if (options.ifMatch === undefined) return;
  const tags = parseEntityTags(options.ifMatch);
  const current = etagOf(state);
  if (!tags.some((tag) => tag === '*' || tag === current)) {
    throw StrataError.preconditionFailed(`If-Match ${tags.join(', ')} does not match the current ETag ${current}`);
  }
}

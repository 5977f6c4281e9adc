import { StrataError } from '../errors/index.js';
import type { StoredState } from '../storage/rows.js';
import type { WriteOptions } from './context.js';
import { etagOf } from './state.js';

/** Parses an `If-Match` / `If-None-Match` header value into its entity tags (`*` stays `*`). */
export function parseEntityTags(header: string | readonly string[]): string[] {
  const text = typeof header === 'string' ? header : header.join(',');
  return text.match(/\*|(?:W\/)?"[^"]*"/g) ?? [];
}

/**
 * Optimistic concurrency (RFC 9110 strong comparison): fails with PRECONDITION_FAILED unless the
 * current revision is `expectedRevision` and the current ETag is among `ifMatch`. A weak tag never matches.
 */
export function checkPreconditions(state: StoredState, options: WriteOptions): void {
  if (options.expectedRevision !== undefined && options.expectedRevision !== state.revision) {
    throw StrataError.preconditionFailed(`expected revision ${options.expectedRevision} but the current revision is ${state.revision}`);
  }
  if (options.ifMatch === undefined) return;
  const tags = parseEntityTags(options.ifMatch);
  const current = etagOf(state);
  if (!tags.some((tag) => tag === '*' || tag === current)) {
    throw StrataError.preconditionFailed(`If-Match ${tags.join(', ') || '(empty)'} does not match the current ETag ${current}`);
  }
}

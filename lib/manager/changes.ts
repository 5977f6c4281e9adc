import type { JobStatus } from '../metadata/job-model.js';
import type { ResourceModel } from '../metadata/model.js';
import type { ResourceView } from '../metadata/views.js';

/** What a committed change did to a resource (docs/events.md). */
export type ChangeType =
  | 'created' | 'updated' | 'deleted' | 'restored' | 'purged' | 'switched' | 'reverted' | 'published'
  | `job.${Exclude<JobStatus, never>}`;

/** Every change type, in the order docs/events.md lists them (what `/_events?type=` and webhooks accept). */
export const CHANGE_TYPES: readonly ChangeType[] = Object.freeze([
  'created', 'updated', 'deleted', 'restored', 'purged', 'switched', 'reverted', 'published',
  'job.queued', 'job.running', 'job.succeeded', 'job.failed', 'job.cancelled',
]);

/** One change of one resource, as the manager stores it. */
export interface Change {
  readonly type: ChangeType;
  readonly model: ResourceModel;
  readonly id: string;
  /** The current revision after the change; null once purged. */
  readonly revision: number | null;
  /** ISO-8601 time of the change. */
  readonly at: string;
  /** Id of the user who made it; null for anonymous or system writes. */
  readonly by: string | null;
  /** The resource after the change (deleted ones included); null once purged. */
  readonly data: ResourceView | null;
}

/**
 * Called for every change inside the transaction that stores it, so what it writes commits or rolls
 * back with the change (a change log, an outbox). A write that changes nothing calls no recorder.
 */
export type ChangeRecorder = (change: Change) => Promise<void>;

import type { Operation } from 'fast-json-patch';
import { StrataError } from '../errors/index.js';
import type { HistoryEntry, StateAt } from '../storage/history-store.js';
import type { StoredState } from '../storage/rows.js';
import type { Where } from './access.js';
import { diffDocuments } from './patch.js';

/** What `_revert` undoes: the changes made in `[since, until)`, by `by` when given, to resources matching `where` now. */
export interface RevertWindowInput {
  since: string;
  until?: string;
  /** A user id: only their changes are undone. */
  by?: string;
  where?: Where;
  /** Plan only: nothing is written. */
  dryRun?: boolean;
}

/** One resource in a window revert's plan (docs/history.md). */
export interface RevertPlanEntry {
  id: string;
  /** The current revision. */
  from: number;
  /** The revision current at `since`; null when the resource did not exist then. */
  to: number | null;
  action: 'revert' | 'delete' | 'restore';
  /** The JSON Patch from the current data to the data the revert writes (empty for a delete). */
  diff: Operation[];
}

/** A plan entry with the data to write (for `revert` and `restore`). */
export interface PlannedRevert {
  entry: RevertPlanEntry;
  data?: Record<string, unknown>;
}

/** Changes a window revert looks at, at most: a wider window is a 400 asking to narrow it. */
export const MAX_WINDOW_CHANGES = 10_000;

const WINDOW_KEYS = ['since', 'until', 'by', 'where', 'dryRun'];

/** An ISO-8601 date-time as stored (`toISOString()` form), or BAD_REQUEST naming `name`. */
export function instant(value: unknown, name: string, code: 'BAD_REQUEST' | 'BAD_QUERY' = 'BAD_REQUEST'): string {
  const time = typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    const message = `${name} must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T15:00:00Z`;
    throw new StrataError(code, message, [{ path: name, message, constraint: 'isDateTime' }]);
  }
  return new Date(time).toISOString();
}

/** Checks a `_revert` body: every problem is a 400 naming the member. */
export function parseRevertWindow(body: unknown): RevertWindowInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw StrataError.badRequest('_revert takes a JSON object { since, until?, by?, where?, dryRun? }');
  const input = body as Record<string, unknown>;
  const unknown = Object.keys(input).filter((key) => !WINDOW_KEYS.includes(key));
  if (unknown.length > 0) throw StrataError.badRequest(`unknown member(s) ${unknown.join(', ')}; _revert takes ${WINDOW_KEYS.join(', ')}`);
  if (input.since === undefined) throw StrataError.badRequest('since is required: the start of the window to undo');
  const parsed: RevertWindowInput = { since: instant(input.since, 'since') };
  if (input.until !== undefined) {
    parsed.until = instant(input.until, 'until');
    if (parsed.until <= parsed.since) throw StrataError.badRequest('until must be later than since');
  }
  if (input.by !== undefined) {
    if (typeof input.by !== 'string' || input.by === '') throw StrataError.badRequest('by must be a user id (a non-empty string)');
    parsed.by = input.by;
  }
  if (input.where !== undefined) {
    if (typeof input.where !== 'object' || input.where === null || Array.isArray(input.where)) throw StrataError.badRequest('where must be a filter object (docs/search.md)');
    parsed.where = input.where as Where;
  }
  if (input.dryRun !== undefined) {
    if (typeof input.dryRun !== 'boolean') throw StrataError.badRequest('dryRun must be true or false');
    parsed.dryRun = input.dryRun;
  }
  return parsed;
}

/** Whether a change is one the window revert undoes. */
export function isUndone(change: HistoryEntry, input: RevertWindowInput): boolean {
  return change.at >= input.since && (input.until === undefined || change.at < input.until) && (input.by === undefined || change.by === input.by);
}

const ABSENT = Symbol('absent');

/**
 * What one resource becomes when the undone changes among `changes` (every change of it from
 * `since` on, oldest first) are taken back: each top-level field gets the value the last change
 * that is kept gave it (a change by someone else, or after `until`), else its value at `since`;
 * whether it exists follows the last kept create, delete or restore, else its state at `since`;
 * a resource created in the window by an undone change is deleted whatever came after.
 * Undefined when nothing changes. `dataOf(n)` is revision n's data as the model reads it now.
 */
export async function planResource(
  baseline: StateAt | undefined, changes: readonly HistoryEntry[], undone: (change: HistoryEntry) => boolean,
  current: StoredState, currentData: Record<string, unknown>, dataOf: (entry: HistoryEntry | StateAt) => Promise<Record<string, unknown>>,
): Promise<PlannedRevert | undefined> {
  const target: Record<string, unknown> = baseline ? { ...(await dataOf(baseline)) } : {};
  let live = baseline !== undefined && !baseline.entry.deleted;
  let previous: Record<string, unknown> = baseline ? { ...target } : {};
  let previousExists = baseline !== undefined && !baseline.entry.deleted;
  const kept = new Map<string, unknown>();
  for (const change of changes) {
    const data = await dataOf(change);
    const exists = !change.deleted;
    if (!undone(change)) {
      for (const key of new Set([...Object.keys(previous), ...Object.keys(data)])) {
        if (JSON.stringify(previous[key]) !== JSON.stringify(data[key])) kept.set(key, key in data ? data[key] : ABSENT);
      }
      if (exists !== previousExists) live = exists;
    }
    previous = data;
    previousExists = exists;
  }
  // Undoing the create of a resource that did not exist at `since` leaves nothing to keep alive.
  if (!baseline && changes.length > 0 && undone(changes[0])) live = false;
  for (const [key, value] of kept) {
    if (value === ABSENT) delete target[key];
    else target[key] = value;
  }
  const to = baseline ? baseline.entry.revision : null;
  const isLive = current.deletedAt === null;
  const entry = (action: RevertPlanEntry['action'], diff: Operation[]): RevertPlanEntry => ({ id: current.id, from: current.revision, to, action, diff });
  if (!live) return isLive ? { entry: entry('delete', []) } : undefined;
  const diff = diffDocuments(currentData, target);
  if (!isLive) return { entry: entry('restore', diff), data: target };
  return diff.length > 0 ? { entry: entry('revert', diff), data: target } : undefined;
}

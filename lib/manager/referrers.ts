import { isStrataError, StrataError } from '../errors/index.js';
import type { FieldModel, ResourceModel } from '../metadata/model.js';
import type { ResourceView } from '../metadata/views.js';
import type { QueryInput } from '../query/index.js';
import type { CallOptions } from './context.js';

/** How many referrer ids the summary of `_referrers` shows per resource and field. */
export const REFERRER_SUMMARY_IDS = 5;

/** One resource and `@Ref` field that can point at a resource. */
export interface ReferringField {
  readonly model: ResourceModel;
  readonly field: FieldModel;
}

/** The summary of `GET /:id/_referrers`: per referring resource and field, how many and the first ids. */
export interface ReferrerSummary {
  items: { resource: string; field: string; count: number; ids: string[] }[];
}

/** One referring resource and field paged through (`?resource=…&field=…`): the ids, in creation order. */
export interface ReferrerIdPage {
  items: string[];
  nextCursor: string | null;
}

/** The options of `ResourceManager.referrers`. */
export interface ReferrerOptions extends CallOptions {
  /** With `field`: page through the ids of this referring resource (its path, e.g. `articles`). */
  resource?: string;
  field?: string;
  limit?: number;
  cursor?: string;
}

/** What `referrers` needs of a referring resource's manager, already running as the caller. */
export interface ReferringManager {
  list(query: QueryInput, options: CallOptions): Promise<{ items: ResourceView[]; nextCursor: string | null }>;
  count(query: Pick<QueryInput, 'where'>, options: CallOptions): Promise<number>;
}

/** Every `@Ref` field, in any resource of the app, that points at `target`. */
export function referringFields(target: ResourceModel, models: readonly ResourceModel[]): ReferringField[] {
  return models.flatMap((model) => model.fields.filter((field) => field.ref?.target === target.target).map((field) => ({ model, field })));
}

/**
 * The referrers of resource `id` (whose read the caller has passed), counted and listed through
 * each referring resource's own checked `count` and `list`, so soft-deleted referrers and those
 * the caller may not see are left out. A referring resource the caller may not list at all (or
 * whose field is hidden from them) is left out of the summary. Two queries per referring field.
 */
export async function findReferrers(target: ResourceModel, id: string, models: readonly ResourceModel[], managerOf: (model: ResourceModel) => ReferringManager, options: ReferrerOptions): Promise<ReferrerSummary | ReferrerIdPage> {
  const fields = referringFields(target, models);
  const { user } = options;
  if (options.resource !== undefined || options.field !== undefined) {
    const chosen = fields.find(({ model, field }) => model.names.path === options.resource && field.name === options.field);
    if (!chosen) {
      const known = fields.map(({ model, field }) => `resource=${model.names.path}&field=${field.name}`);
      throw StrataError.badQuery(`no @Ref field ${options.field ?? '(none given)'} of resource ${options.resource ?? '(none given)'} points at ${target.name}; ${known.length > 0 ? `ask for ${known.join(' or ')}` : `nothing refers to ${target.name}`}`);
    }
    const page = await managerOf(chosen.model).list({ where: { [chosen.field.name]: id }, limit: options.limit, cursor: options.cursor, fields: [] }, { user });
    return { items: page.items.map((item) => item.id), nextCursor: page.nextCursor };
  }
  const items: ReferrerSummary['items'] = [];
  for (const { model, field } of fields) {
    const manager = managerOf(model);
    const where = { [field.name]: id };
    try {
      const count = await manager.count({ where }, { user });
      const ids = count === 0 ? [] : (await manager.list({ where, limit: REFERRER_SUMMARY_IDS, fields: [] }, { user })).items.map((item) => item.id);
      items.push({ resource: model.names.path, field: field.name, count, ids });
    } catch (error) {
      // A field hidden from the caller cannot be filtered on (BAD_QUERY): as unknown to them as the rest.
      if (!isRefusal(error) && !(isStrataError(error) && error.code === 'BAD_QUERY')) throw error;
    }
  }
  return { items };
}

/**
 * A refusal of the caller (not signed in, or not allowed to list a resource): what expansions,
 * relation fields and referrer summaries turn into "nothing to show" rather than failing the request.
 */
export function isRefusal(error: unknown): boolean {
  return isStrataError(error) && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN');
}

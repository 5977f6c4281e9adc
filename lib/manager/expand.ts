import { StrataError, type ErrorDetail } from '../errors/index.js';
import type { ResourceModel } from '../metadata/model.js';
import type { ResourceView } from '../metadata/views.js';

/** The deepest `expand` path: `authorId.teamId.orgId`. */
export const MAX_EXPAND_DEPTH = 3;
/** The most paths one `expand` may name (each costs a query per level, so the work stays bounded). */
const MAX_EXPAND_PATHS = 20;

/** Parsed `expand` paths as a tree: `authorId,authorId.teamId` → `{ authorId: { teamId: {} } }`. */
export interface ExpandTree {
  readonly [field: string]: ExpandTree;
}

/**
 * Loads the live resources of `model` with these ids as the caller may list them (masked); an id
 * that is missing, deleted or out of the caller's scope is absent from the map.
 */
export type ExpandLoader = (model: ResourceModel, ids: readonly string[]) => Promise<ReadonlyMap<string, ResourceView>>;

/**
 * Reads `expand` as REST (`authorId,authorId.teamId`, or `qs` lists) and `_search` bodies
 * (`["authorId", "authorId.teamId"]`) give it: every segment must be a `@Ref` field of the model
 * it applies to (not one hidden from the caller at the top level), at most three segments. Anything
 * else is BAD_QUERY listing the `@Ref` fields. Undefined or empty: nothing to expand.
 */
export function parseExpand(model: ResourceModel, value: unknown, models: readonly ResourceModel[], hidden: ReadonlySet<string> = new Set()): ExpandTree | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items || items.some((item) => typeof item !== 'string')) {
    throw badExpand([{ path: 'expand', message: 'expand: takes a comma-separated string or a list of dotted @Ref field paths such as authorId.teamId', constraint: 'list' }]);
  }
  const paths = [...new Set((items as string[]).map((item) => item.trim()).filter((item) => item !== ''))];
  if (paths.length > MAX_EXPAND_PATHS) throw badExpand([{ path: 'expand', message: `expand: names at most ${MAX_EXPAND_PATHS} paths, got ${paths.length}`, constraint: 'maxItems' }]);
  const tree: Record<string, Record<string, unknown>> = {};
  const problems: ErrorDetail[] = [];
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH) {
      problems.push({ path: 'expand', message: `expand: ${JSON.stringify(path)} has ${segments.length} segments; at most ${MAX_EXPAND_DEPTH} (authorId.teamId.orgId)`, constraint: 'maxDepth' });
      continue;
    }
    let current = model;
    let node: Record<string, unknown> = tree;
    for (const [index, segment] of segments.entries()) {
      const refs = refFields(current, index === 0 ? hidden : undefined);
      const field = refs.includes(segment) ? current.fieldsByName.get(segment) : undefined;
      if (!field?.ref) {
        const listed = refs.length > 0 ? `the @Ref fields of ${current.name} are ${refs.join(', ')}` : `${current.name} has no @Ref field`;
        problems.push({ path: 'expand', message: `expand: ${JSON.stringify(segment)} in ${JSON.stringify(path)} is not a reference; ${listed}`, constraint: 'ref' });
        break;
      }
      node = (node[segment] ??= {}) as Record<string, unknown>;
      const target = models.find((candidate) => candidate.target === field.ref!.target);
      if (!target) throw new StrataError('INTERNAL', `the target of ${current.name}.${segment} has no model`);
      current = target;
    }
  }
  if (problems.length > 0) throw badExpand(problems);
  return tree as ExpandTree;
}

/** The first segments of `tree`: the fields of the top model a projection (`fields=`) must keep. */
export function expandedFields(tree: ExpandTree | undefined): string[] {
  return tree ? Object.keys(tree) : [];
}

/**
 * Puts the referenced resources of `views` under `_expanded`, level by level: per level one
 * `load` per target resource (ids of every view and every field to that target together), never
 * one per view. A reference without a value, or to a resource `load` does not return, is null.
 * Each view gets its own copy of an expanded resource, so deeper levels never share objects.
 */
export async function expandViews(model: ResourceModel, views: readonly ResourceView[], tree: ExpandTree, models: readonly ResourceModel[], load: ExpandLoader): Promise<void> {
  const fields = Object.keys(tree);
  if (views.length === 0 || fields.length === 0) return;
  const targetOf = (field: string) => models.find((candidate) => candidate.target === model.fieldsByName.get(field)!.ref!.target)!;
  const idsByTarget = new Map<ResourceModel, Set<string>>();
  for (const field of fields) {
    const ids = idsByTarget.get(targetOf(field)) ?? new Set<string>();
    for (const view of views) if (typeof view[field] === 'string') ids.add(view[field] as string);
    idsByTarget.set(targetOf(field), ids);
  }
  const loaded = new Map<ResourceModel, ReadonlyMap<string, ResourceView>>();
  for (const [target, ids] of idsByTarget) loaded.set(target, ids.size === 0 ? new Map() : await load(target, [...ids]));
  for (const field of fields) {
    const found = loaded.get(targetOf(field))!;
    const children: ResourceView[] = [];
    for (const view of views) {
      const value = view[field];
      const target = typeof value === 'string' ? found.get(value) : undefined;
      const copy = target ? { ...target } : null;
      if (copy) children.push(copy);
      view._expanded = { ...(view._expanded as Record<string, unknown> | undefined), [field]: copy };
    }
    await expandViews(targetOf(field), children, tree[field], models, load);
  }
}

/** The `@Ref` fields of `model` a caller may name (not the hidden ones). */
function refFields(model: ResourceModel, hidden?: ReadonlySet<string>): string[] {
  return model.fields.filter((field) => field.ref && !hidden?.has(field.name)).map((field) => field.name);
}

function badExpand(problems: ErrorDetail[]): StrataError {
  return StrataError.badQuery(problems.map((problem) => problem.message).join('; '), problems);
}

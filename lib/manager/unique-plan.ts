import type { ResourceModel } from '../metadata/model.js';
import type { ResourceStore } from '../storage/resource-store.js';
import type { PlannedRevert } from './window-revert.js';

/** A unique value a window revert would give to more than one live resource. */
export interface UniqueConflict {
  field: string;
  ids: string[];
}

/** A value as a map key: the same for a number and the text PostgreSQL returns for a bigint. */
function keyOf(value: unknown): string {
  return typeof value === 'boolean' ? String(Number(value)) : String(value);
}

/** The unique values each step leaves its resource holding (none for a delete). */
function targetValues(model: ResourceModel, step: PlannedRevert): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (step.entry.action === 'delete' || !step.data) return values;
  for (const field of model.indexedFields) {
    const value = step.data[field.name];
    if (field.unique && value !== undefined && value !== null) values.set(field.name, value);
  }
  return values;
}

/**
 * The unique values the plan would take twice: among its own resources, or from a live resource
 * outside it. Checked before anything is written, so a conflict names every id involved.
 */
export async function uniqueConflicts(model: ResourceModel, store: ResourceStore, plan: readonly PlannedRevert[]): Promise<UniqueConflict[]> {
  const conflicts: UniqueConflict[] = [];
  const planned = new Set(plan.map((step) => step.entry.id));
  for (const field of model.indexedFields.filter((candidate) => candidate.unique)) {
    const wanted = new Map<string, { value: unknown; ids: string[] }>();
    for (const step of plan) {
      const value = targetValues(model, step).get(field.name);
      if (value === undefined) continue;
      const slot = wanted.get(keyOf(value)) ?? { value, ids: [] };
      slot.ids.push(step.entry.id);
      wanted.set(keyOf(value), slot);
    }
    if (wanted.size === 0) continue;
    // Resources the plan leaves alone keep their values; a planned one changes (or frees) its own.
    const holders = (await store.liveHolders(field.column!, [...wanted.values()].map((slot) => slot.value))).filter(([id]) => !planned.has(id));
    for (const [id, value] of holders) wanted.get(keyOf(value))?.ids.push(id);
    for (const slot of wanted.values()) if (slot.ids.length > 1) conflicts.push({ field: field.name, ids: slot.ids });
  }
  return conflicts;
}

/**
 * The steps in an order that never takes a unique value before the resource holding it gave it up:
 * deletes first, then each resource after those whose current value it takes. A cycle keeps the
 * plan's order (and fails with UNIQUE_VIOLATION on the write).
 */
export function orderForUnique(model: ResourceModel, plan: readonly PlannedRevert[], current: ReadonlyMap<string, Record<string, unknown>>): PlannedRevert[] {
  const deletes = plan.filter((step) => step.entry.action === 'delete');
  const writes = plan.filter((step) => step.entry.action !== 'delete');
  const unique = model.indexedFields.filter((field) => field.unique);
  if (unique.length === 0) return [...deletes, ...writes];
  const holderOf = new Map<string, PlannedRevert>();
  for (const step of writes) {
    for (const field of unique) {
      const value = current.get(step.entry.id)?.[field.name];
      if (value !== undefined && value !== null) holderOf.set(`${field.name}\u0000${keyOf(value)}`, step);
    }
  }
  const ordered: PlannedRevert[] = [];
  const state = new Map<PlannedRevert, 'visiting' | 'done'>();
  const visit = (step: PlannedRevert) => {
    if (state.has(step)) return;
    state.set(step, 'visiting');
    for (const [field, value] of targetValues(model, step)) {
      const holder = holderOf.get(`${field}\u0000${keyOf(value)}`);
      if (holder && holder !== step && state.get(holder) !== 'visiting') visit(holder);
    }
    state.set(step, 'done');
    ordered.push(step);
  };
  for (const step of writes) visit(step);
  return [...deletes, ...ordered];
}

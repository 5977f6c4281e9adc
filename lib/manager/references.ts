import { StrataError } from '../errors/index.js';
import type { FieldModel, ResourceModel } from '../metadata/model.js';
import type { ResourceStore } from '../storage/resource-store.js';
import type { WriteOptions } from './context.js';

/**
 * What the guard needs of another resource's manager. Narrower than ResourceManager, which creates
 * the guard, so this file does not import it back.
 */
export interface ReferencedManager {
  readonly model: ResourceModel;
  readonly store: Pick<ResourceStore, 'findState' | 'idsWhere'>;
  delete(id: string, options: WriteOptions): Promise<void>;
  patch(id: string, patch: unknown, options: WriteOptions & { format: 'merge-patch' }): Promise<unknown>;
}

/** What the guard needs of the running app: every model, and the manager of each. */
export interface ReferenceEnvironment {
  readonly models: readonly ResourceModel[];
  managerOf(target: Function): ReferencedManager;
}

/**
 * Keeps `@Ref` fields pointing at live resources: a write naming a missing or deleted target is
 * refused, and deleting a target applies each referring field's `onDelete` rule.
 */
export class ReferenceGuard {
  private readonly outgoing: readonly FieldModel[];

  constructor(private readonly model: ResourceModel, private readonly environment: ReferenceEnvironment) {
    this.outgoing = model.fields.filter((field) => field.ref);
  }

  /** Throws VALIDATION_FAILED when a reference in `data` names no live resource. */
  async checkTargetsExist(data: Record<string, unknown>): Promise<void> {
    const errors = [];
    for (const field of this.outgoing) {
      const value = data[field.name];
      if (value === null || value === undefined) continue;
      const target = this.environment.managerOf(field.ref!.target);
      const state = await target.store.findState(String(value));
      if (!state || state.deletedAt !== null) {
        errors.push({ path: field.name, message: `${field.name} must name an existing ${target.model.name}; there is no live ${target.model.name} with id ${JSON.stringify(value)}`, constraint: 'ref' });
      }
    }
    if (errors.length > 0) throw StrataError.validation(errors);
  }

  /** Applies `onDelete` of every field, in any resource, that points at this resource's `id`. */
  async onTargetDeleted(id: string, options: WriteOptions): Promise<void> {
    const { user } = options;
    for (const model of this.environment.models) {
      for (const field of model.fields) {
        if (field.ref?.target !== this.model.target) continue;
        const referrer = this.environment.managerOf(model.target);
        const ids = await referrer.store.idsWhere(field.column!, id);
        if (ids.length === 0) continue;
        if (field.ref.onDelete === 'restrict') {
          throw StrataError.conflict(`${this.model.name} ${id} is still referenced by ${ids.length} ${model.name} resource(s) through ${field.name}; delete or change them first`);
        }
        for (const referrerId of ids) {
          if (field.ref.onDelete === 'cascade') await referrer.delete(referrerId, { user });
          else await referrer.patch(referrerId, { [field.name]: null }, { user, format: 'merge-patch' });
        }
      }
    }
  }
}

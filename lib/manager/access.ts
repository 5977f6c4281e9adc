import { StrataError } from '../errors/index.js';
import type { ResourceView, RevisionEntry } from '../metadata/views.js';

/** A filter in the search language of docs/search.md, e.g. `{ teamId: 'red' }` or `{ '_meta.createdBy': 'u1' }`. */
export type Where = Record<string, unknown>;

/**
 * What a hook lets one manager call see and change (`context.restrict(rules)`). Several
 * restrictions add up: their `visible` and `allowed` filters are ANDed, their field lists joined.
 */
export interface AccessRules {
  /**
   * Resources outside this filter do not exist for the call: 404 for an operation on one of them,
   * left out of lists, counts, totals, cursors and exports (ANDed into the SQL). `false`: none.
   */
  visible?: Where | false;
  /**
   * Resources the call may act on (403 otherwise), tested on the stored resource before a write
   * and on its result after, so a write cannot move a resource out of reach. `false`: none.
   */
  allowed?: Where | false;
  /** Fields the call may not see: left out of every result; filtering, sorting or selecting them is BAD_QUERY. */
  hiddenFields?: readonly string[];
  /** Fields the call may not change: a write that changes one is FORBIDDEN naming it; a PUT without them keeps them. */
  readOnlyFields?: readonly string[];
}

/** The restrictions of one call, collected from its hooks (see `AccessRules`). */
export class CallAccess {
  constructor(readonly operation: string) {}

  /** Filters ANDed together; `false` among them means nothing. */
  readonly visible: (Where | false)[] = [];
  readonly allowed: (Where | false)[] = [];
  readonly hidden = new Set<string>();
  readonly readOnly = new Set<string>();

  add(rules: AccessRules): void {
    if (rules.visible !== undefined) this.visible.push(rules.visible);
    if (rules.allowed !== undefined) this.allowed.push(rules.allowed);
    for (const field of rules.hiddenFields ?? []) this.hidden.add(field);
    for (const field of rules.readOnlyFields ?? []) this.readOnly.add(field);
  }

  /** Whether anything restricts the call. */
  get restricted(): boolean {
    return this.visible.length > 0 || this.allowed.length > 0 || this.hidden.size > 0 || this.readOnly.size > 0;
  }

  /** A resource view without the hidden fields (the same object when nothing is hidden). */
  maskView(view: ResourceView): ResourceView {
    if (this.hidden.size === 0) return view;
    return Object.fromEntries(Object.entries(view).filter(([key]) => !this.hidden.has(key))) as ResourceView;
  }

  /** A revision entry whose data has no hidden field. */
  maskRevision(entry: RevisionEntry): RevisionEntry {
    if (this.hidden.size === 0 || !entry.data) return entry;
    return { ...entry, data: this.maskData(entry.data) };
  }

  maskData(data: Record<string, unknown>): Record<string, unknown> {
    if (this.hidden.size === 0) return data;
    return Object.fromEntries(Object.entries(data).filter(([key]) => !this.hidden.has(key)));
  }

  /** A JSON Patch without the operations that touch a hidden field. */
  maskDiff<Op extends { path: string; from?: string }>(operations: Op[]): Op[] {
    if (this.hidden.size === 0) return operations;
    const touchesHidden = (pointer: string | undefined) => pointer !== undefined && this.hidden.has(topField(pointer));
    return operations.filter((operation) => !touchesHidden(operation.path) && !touchesHidden(operation.from));
  }

  /**
   * The data a write stores, given what the caller sent (`given`, already shaped by the model) and
   * what is stored (`stored`; undefined for a create). Hidden fields the caller may not write keep
   * their stored value; a read-only field that the caller changes is FORBIDDEN.
   * `fullReplace`: the write replaces the whole document (PUT), so a read-only field left out keeps
   * its stored value instead of counting as removed.
   */
  protectFields<V>(input: V, stored: Record<string, unknown> | undefined, fullReplace: boolean): V {
    // Anything but an object is left for validation to refuse.
    if ((this.readOnly.size === 0 && this.hidden.size === 0) || typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    const given = input as Record<string, unknown>;
    const result = { ...given };
    const refused: string[] = [];
    for (const field of new Set([...this.readOnly, ...this.hidden])) {
      const writable = !this.readOnly.has(field);
      const before = stored?.[field];
      if (!(field in given) || given[field] === undefined) {
        if (before === undefined) continue;
        // Left out: what the caller cannot see, or may not write and replaced wholesale (PUT), keeps its
        // stored value; a patch that removes a field the caller may not write changes it.
        if (this.hidden.has(field) || fullReplace) result[field] = before;
        else refused.push(field);
        continue;
      }
      if (!writable && !sameValue(given[field], before)) refused.push(field);
    }
    if (refused.length > 0) {
      throw StrataError.forbidden(`you may not change ${refused.join(', ')}`, refused.map((field) => ({ path: field, message: `${field}: you may not change this field`, constraint: 'readOnly' })));
    }
    return result as V;
  }
}

/** The first segment of a JSON Pointer: the top-level field it is in. */
function topField(pointer: string): string {
  return (pointer.split('/')[1] ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

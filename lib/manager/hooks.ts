import { BootstrapError } from '../errors/index.js';
import type { ResourceModel } from '../metadata/model.js';
import type { AccessRules } from './access.js';
import type { CurrentUser } from './context.js';

/** The closed list of ResourceManager operations hooks can wrap. */
export const HOOK_NAMES = [
  'create', 'createMany', 'get', 'list', 'count', 'update', 'patch', 'delete', 'restore', 'purge',
  'revisions', 'revision', 'diff', 'switch', 'publish', 'export', 'import',
  // History tools (docs/history.md): revert to a revision (also each step of a window revert),
  // undo a window, and PATCH / DELETE by query (each resource then runs through `patch` / `delete`).
  'revert', 'revertWindow', 'patchMany', 'deleteMany',
  // Jobs (`@Job` resources): a client's rerun and cancel, and a worker's state changes.
  'rerun', 'cancel', 'jobState',
] as const;

/** One of the operations in `HOOK_NAMES`. */
export type HookName = typeof HOOK_NAMES[number];

/**
 * The one context object of a manager call, shared by every hook around it. `input` holds the
 * call's arguments (id, data, query, options); `result` is set once the operation returned.
 */
export interface HookContext {
  readonly operation: HookName;
  readonly model: ResourceModel;
  readonly user: CurrentUser | null;
  /**
   * The call comes from a request (REST, GraphQL, MCP…) or from `manager.as(user)`, so policies
   * apply; false for the app's own calls through `strata.manager(X)`, which run as the system.
   */
  readonly checked: boolean;
  /**
   * Narrows what this call sees and may change (docs/plugins-and-hooks.md): a filter ANDed into
   * searches and tested on single resources, fields masked or protected. Call it before `next()`.
   */
  restrict(rules: AccessRules): void;
  input: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
  /** Free space for hooks to pass values to each other. */
  readonly state: Record<string, unknown>;
}

/** An around hook: do something, call `next()` to run the rest (and the operation), return its result. */
export type AroundHook = (context: HookContext, next: () => Promise<unknown>) => Promise<unknown>;

/** Where a hook applies: one or more operations (or `'*'`), optionally only some resources. */
export interface HookTarget {
  operations: HookName | readonly HookName[] | '*';
  resources?: readonly Function[];
}

interface RegisteredHook {
  operations: ReadonlySet<string> | '*';
  resources?: ReadonlySet<Function>;
  hook: AroundHook;
}

/**
 * Holds every hook, in registration order (the first registered is the outermost). Before, after
 * and error helpers compile into around hooks, so there is one mechanism.
 */
export class HookRegistry {
  private readonly hooks: RegisteredHook[] = [];
  /** Problems found while registering (unknown names), reported by bootstrap. */
  readonly problems: string[] = [];
  private sealed = false;

  /** Called by bootstrap once plugins are configured: from then on an unknown hook name throws at once. */
  seal(): void {
    this.sealed = true;
  }

  /**
   * Registers an around hook, inside those registered before it; `first: true` puts it outside
   * every other (for checks such as permissions, which must refuse a call before any hook runs).
   */
  around(target: HookTarget['operations'] | HookTarget, hook: AroundHook, options: { first?: boolean } = {}): this {
    const { operations, resources } = normalizeTarget(target);
    if (operations !== '*') {
      for (const name of operations) {
        if (!(HOOK_NAMES as readonly string[]).includes(name)) {
          const problem = `hook "${name}" does not exist; hook names are: ${HOOK_NAMES.join(', ')}`;
          if (this.sealed) throw new BootstrapError([problem]);
          this.problems.push(problem);
        }
      }
    }
    const entry: RegisteredHook = { operations: operations === '*' ? '*' : new Set(operations), resources: resources && new Set(resources), hook };
    if (options.first) this.hooks.unshift(entry);
    else this.hooks.push(entry);
    return this;
  }

  /** Runs `hook` before the operation; throwing aborts it with nothing stored. */
  before(target: HookTarget['operations'] | HookTarget, hook: (context: HookContext) => unknown): this {
    return this.around(target, async (context, next) => {
      await hook(context);
      return next();
    });
  }

  /** Runs `hook` after the operation succeeded; it may replace `context.result`. */
  after(target: HookTarget['operations'] | HookTarget, hook: (context: HookContext) => unknown): this {
    return this.around(target, async (context, next) => {
      context.result = await next();
      await hook(context);
      return context.result;
    });
  }

  /** Runs `hook` when the operation failed; it may replace `context.error`, which is then thrown. */
  error(target: HookTarget['operations'] | HookTarget, hook: (context: HookContext) => unknown): this {
    return this.around(target, async (context, next) => {
      try {
        return await next();
      } catch (error) {
        context.error = error;
        await hook(context);
        throw context.error;
      }
    });
  }

  /** Runs `operation` wrapped in every hook that applies to `context`. */
  run<T>(context: HookContext, operation: () => Promise<T>): Promise<T> {
    const applicable = this.hooks.filter((entry) =>
      (entry.operations === '*' || entry.operations.has(context.operation)) &&
      (!entry.resources || entry.resources.has(context.model.target)));
    if (applicable.length === 0) return operation();
    const step = (index: number): Promise<unknown> => index === applicable.length
      ? operation()
      : applicable[index].hook(context, () => step(index + 1));
    return step(0) as Promise<T>;
  }
}

function normalizeTarget(target: HookTarget['operations'] | HookTarget): { operations: readonly string[] | '*'; resources?: readonly Function[] } {
  const full: HookTarget = typeof target === 'object' && !Array.isArray(target) ? target as HookTarget : { operations: target as HookTarget['operations'] };
  const operations = full.operations === '*' ? '*' : typeof full.operations === 'string' ? [full.operations] : full.operations;
  return { operations, resources: full.resources };
}

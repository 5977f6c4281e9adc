import type { ClassArgs } from './args.js';

/** The one store decorators write to, keyed by class reference. */
const store = new Map<Function, ClassArgs>();

/** The args record of `target`, created on first use. Decorators call this and nothing else. */
export function argsFor(target: Function): ClassArgs {
  let args = store.get(target);
  if (!args) {
    args = { target, indexed: new Map(), fields: new Map(), refs: new Map(), order: [] };
    store.set(target, args);
  }
  return args;
}

/** Records that `property` of `target` was decorated, keeping first-seen order. */
export function noteProperty(target: Function, property: string): ClassArgs {
  const args = argsFor(target);
  if (!args.order.includes(property)) args.order.push(property);
  return args;
}

/**
 * The recorded args of `target` with its base classes' property decorators merged in: base
 * properties come first, and a subclass's decorator replaces the base's of the same kind.
 * Class decorators (`@Resource`, `@Versioned`, `@Job`) are not inherited. Undefined when no Strata
 * decorator touched the class or its bases.
 */
export function readArgs(target: Function): ClassArgs | undefined {
  const chain: ClassArgs[] = [];
  for (let current = target; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const args = store.get(current);
    if (args) chain.unshift(args);
  }
  if (chain.length === 0) return undefined;
  const own = store.get(target);
  const merged: ClassArgs = {
    target, resource: own?.resource, versioned: own?.versioned, job: own?.job, indexed: new Map(), fields: new Map(), refs: new Map(), order: [],
  };
  for (const args of chain) {
    for (const property of args.order) if (!merged.order.includes(property)) merged.order.push(property);
    for (const [property, options] of args.indexed) merged.indexed.set(property, options);
    for (const [property, field] of args.fields) merged.fields.set(property, field);
    for (const [property, ref] of args.refs) merged.refs.set(property, ref);
  }
  return merged;
}

/** True when `target` itself is decorated with `@Job` (used to pick the default plugins before models are built). */
export function isJobResource(target: Function): boolean {
  return typeof target === 'function' && store.get(target)?.job !== undefined;
}

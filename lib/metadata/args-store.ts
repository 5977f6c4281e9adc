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

/** The recorded args of `target`, or undefined when no Strata decorator touched it. */
export function readArgs(target: Function): ClassArgs | undefined {
  return store.get(target);
}

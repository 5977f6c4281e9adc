import { noteProperty } from '../lib/metadata/args-store.js';
import type { RefOptions } from '../lib/metadata/args.js';

/**
 * A reference to another resource, stored as its id and indexed.
 * @example @Ref(() => Author, { onDelete: 'cascade' }) authorId!: string;
 */
export function Ref(target: () => Function, options: RefOptions = {}): PropertyDecorator {
  return (prototype, property) => {
    const name = String(property);
    noteProperty(prototype.constructor, name).refs.set(name, { property: name, target, options: { ...options } });
  };
}

import { argsFor } from '../lib/metadata/args-store.js';
import type { ResourceOptions } from '../lib/metadata/args.js';

/**
 * Marks a class as a resource: storage, search, REST, GraphQL and the admin UI are derived from it.
 * @example @Resource({ path: 'people' }) class Person { … }
 */
export function Resource(options: ResourceOptions = {}): ClassDecorator {
  return (target) => {
    argsFor(target).resource = { ...options };
  };
}

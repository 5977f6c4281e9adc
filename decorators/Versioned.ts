import { argsFor } from '../lib/metadata/args-store.js';
import type { VersionedOptions } from '../lib/metadata/args.js';

/**
 * Configures the revision history of a resource: drafts, retention and schema migrations.
 * @example @Versioned({ drafts: true, retain: 50 })
 */
export function Versioned(options: VersionedOptions = {}): ClassDecorator {
  return (target) => {
    argsFor(target).versioned = { ...options };
  };
}

import { BootstrapError } from '../errors/index.js';

/**
 * Services plugins publish for each other (`provide`) and look up (`require`): the only way
 * plugins meet, so none imports another's files or tests another's name.
 */
export class ServiceRegistry {
  private readonly services = new Map<string, { owner: string; service: unknown }>();

  /** Publishes `service` under `name`; a name is published once per app. */
  provide(owner: string, name: string, service: unknown): void {
    const taken = this.services.get(name);
    if (taken) throw new BootstrapError([`${owner}: service "${name}" is already provided by ${taken.owner}; provide it once`]);
    this.services.set(name, { owner, service });
  }

  /** The service published under `name`; a missing one is a bootstrap error naming who needs it. */
  require<T>(name: string, requester: string): T {
    const found = this.services.get(name);
    if (!found) throw new BootstrapError([`${requester} requires service "${name}", which no plugin provides (yet); add the plugin that provides it, and declare it in requires so it runs first`]);
    return found.service as T;
  }

  /** True when `name` is published. */
  has(name: string): boolean {
    return this.services.has(name);
  }
}

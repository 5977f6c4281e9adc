import type { ResourceModel } from '../metadata/model.js';
import type { HookRegistry } from '../manager/hooks.js';
import type { ResourceManager } from '../manager/ResourceManager.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../config.js';

/** What every plugin phase receives. */
export interface PluginContext {
  /** The app passed to `bootstrap` (an Express app), or null when running without HTTP. */
  readonly app: unknown;
  readonly models: readonly ResourceModel[];
  readonly hooks: HookRegistry;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  /** The manager of a resource class (available from `mount` on). */
  manager<T extends object>(target: new (...args: never[]) => T): ResourceManager<T>;
  /** Names of every plugin taking part, for optional cooperation. */
  readonly plugins: readonly string[];
}

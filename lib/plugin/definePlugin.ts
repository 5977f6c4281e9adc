import { BootstrapError } from '../errors/index.js';
import type { PluginContext } from './context.js';
import type { ModelTrait } from './traits.js';

/**
 * A plugin: a named object with optional phases. Bootstrap runs them in a fixed order:
 * `configure` (every plugin, dependency order) → `validate` (problems from all plugins reported
 * together) → storage is prepared → `mount` → `start`; `stop` runs in reverse order on close.
 */
export interface StrataPlugin {
  readonly name: string;
  /** Plugins that must be present and run before this one (prefer `requires`: it names what, not who). */
  readonly dependsOn?: readonly string[];
  /** Services this plugin publishes with `context.provide` in `configure`. */
  readonly provides?: readonly string[];
  /**
   * Services this plugin needs: their providers run first, and a service no plugin provides is a
   * bootstrap error. `http` is provided by bootstrap itself when it is given an app.
   */
  readonly requires?: readonly string[];
  /**
   * Resource classes the plugin brings (a `Webhook`, say): built and stored like the app's own, and
   * the only ones whose path may begin with `_` (`@Resource({ path: '_webhooks' })`).
   */
  readonly resources?: readonly Function[];
  /** Model traits this plugin runs (e.g. `'job'` for `@Job`); a trait no plugin consumes is a bootstrap error. */
  readonly consumes?: readonly ModelTrait[];
  /** Register hooks, read options, claim traits. */
  configure?(context: PluginContext): void | Promise<void>;
  /** Return problems (each naming `Class.property` or the option, and the fix); all are reported at once. */
  validate?(context: PluginContext): string[] | void | Promise<string[] | void>;
  /** Attach routes to the app. */
  mount?(context: PluginContext): void | Promise<void>;
  /** Start background work (workers, timers). */
  start?(context: PluginContext): void | Promise<void>;
  /** Stop what `start` started; runs in reverse plugin order. */
  stop?(context: PluginContext): void | Promise<void>;
}

/**
 * Declares a plugin; checks the shape so mistakes surface where the plugin is written.
 * @example export const audit = definePlugin({ name: 'audit', configure({ hooks }) { hooks.after('*', log); } });
 */
export function definePlugin<P extends StrataPlugin>(plugin: P): P {
  if (!plugin || typeof plugin.name !== 'string' || plugin.name.length === 0) {
    throw new BootstrapError(['definePlugin: a plugin needs a non-empty name']);
  }
  for (const phase of ['configure', 'validate', 'mount', 'start', 'stop'] as const) {
    if (plugin[phase] !== undefined && typeof plugin[phase] !== 'function') {
      throw new BootstrapError([`definePlugin: ${plugin.name}.${phase} must be a function`]);
    }
  }
  if (plugin.resources !== undefined && (!Array.isArray(plugin.resources) || plugin.resources.some((resource) => typeof resource !== 'function'))) {
    throw new BootstrapError([`definePlugin: ${plugin.name}.resources must be a list of resource classes`]);
  }
  for (const list of ['dependsOn', 'provides', 'requires', 'consumes'] as const) {
    const value = plugin[list];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) {
      throw new BootstrapError([`definePlugin: ${plugin.name}.${list} must be a list of names`]);
    }
  }
  return Object.freeze(plugin);
}

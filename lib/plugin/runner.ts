import type { StrataPlugin } from './definePlugin.js';
import type { PluginContext } from './context.js';

type Phase = 'configure' | 'validate' | 'mount' | 'start' | 'stop';

/**
 * Orders plugins so each runs after what it depends on and the providers of the services it
 * requires (stable otherwise), and collects problems: duplicate names, missing dependencies or
 * services, and cycles. `builtInServices` are provided by bootstrap itself (`http` with an app).
 */
export function orderPlugins(plugins: readonly StrataPlugin[], builtInServices: readonly string[] = []): { ordered: StrataPlugin[]; problems: string[] } {
  const problems: string[] = [];
  const byName = new Map<string, StrataPlugin>();
  for (const plugin of plugins) {
    if (byName.has(plugin.name)) problems.push(`plugin "${plugin.name}" is listed twice; list it once`);
    byName.set(plugin.name, plugin);
  }
  const providers = new Map<string, string>();
  for (const plugin of byName.values()) {
    for (const service of plugin.provides ?? []) {
      const other = providers.get(service);
      if (other) problems.push(`plugins "${other}" and "${plugin.name}" both provide service "${service}"; keep one of them`);
      else providers.set(service, plugin.name);
    }
  }
  const dependencies = new Map<string, string[]>();
  for (const plugin of byName.values()) {
    for (const dependency of plugin.dependsOn ?? []) {
      if (!byName.has(dependency)) problems.push(`plugin "${plugin.name}" depends on "${dependency}", which is not in plugins; add it`);
    }
    const required: string[] = [];
    for (const service of plugin.requires ?? []) {
      const provider = providers.get(service);
      if (provider) required.push(provider);
      else if (!builtInServices.includes(service)) {
        problems.push(service === 'http'
          ? `plugin "${plugin.name}" serves HTTP and needs an Express app: pass express() as bootstrap's first argument, or leave the plugin out`
          : `plugin "${plugin.name}" requires service "${service}", which no plugin provides; add the plugin that provides it`);
      }
    }
    dependencies.set(plugin.name, [...(plugin.dependsOn ?? []), ...required.filter((name) => name !== plugin.name)]);
  }
  const ordered: StrataPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (plugin: StrataPlugin, path: string[]) => {
    const seen = state.get(plugin.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      problems.push(`plugins depend on each other in a cycle: ${[...path, plugin.name].join(' → ')}; break the cycle`);
      return;
    }
    state.set(plugin.name, 'visiting');
    for (const dependency of dependencies.get(plugin.name) ?? []) {
      const required = byName.get(dependency);
      if (required) visit(required, [...path, plugin.name]);
    }
    state.set(plugin.name, 'done');
    ordered.push(plugin);
  };
  for (const plugin of byName.values()) visit(plugin, []);
  return { ordered, problems };
}

/** The context a plugin's phases receive: one per plugin and app, so `provide` knows who provides. */
export type ContextOf = (plugin: StrataPlugin) => PluginContext;

/** Runs one phase of every plugin in order (`stop` in reverse), awaiting each. */
export async function runPhase(plugins: readonly StrataPlugin[], phase: Exclude<Phase, 'validate'>, contextOf: ContextOf): Promise<void> {
  const sequence = phase === 'stop' ? [...plugins].reverse() : plugins;
  for (const plugin of sequence) await plugin[phase]?.(contextOf(plugin));
}

/** Runs every plugin's `validate` and returns all problems, each prefixed with the plugin name. */
export async function collectPluginProblems(plugins: readonly StrataPlugin[], contextOf: ContextOf): Promise<string[]> {
  const problems: string[] = [];
  for (const plugin of plugins) {
    const found = (await plugin.validate?.(contextOf(plugin))) ?? [];
    problems.push(...found.map((problem) => `${plugin.name}: ${problem}`));
  }
  return problems;
}

import type { StrataPlugin } from './definePlugin.js';
import type { PluginContext } from './context.js';

type Phase = 'configure' | 'validate' | 'mount' | 'start' | 'stop';

/**
 * Orders plugins so each runs after what it depends on (stable otherwise) and collects problems:
 * duplicate names, missing dependencies and cycles.
 */
export function orderPlugins(plugins: readonly StrataPlugin[]): { ordered: StrataPlugin[]; problems: string[] } {
  const problems: string[] = [];
  const byName = new Map<string, StrataPlugin>();
  for (const plugin of plugins) {
    if (byName.has(plugin.name)) problems.push(`plugin "${plugin.name}" is listed twice; list it once`);
    byName.set(plugin.name, plugin);
  }
  for (const plugin of byName.values()) {
    for (const dependency of plugin.dependsOn ?? []) {
      if (!byName.has(dependency)) problems.push(`plugin "${plugin.name}" depends on "${dependency}", which is not in plugins; add it`);
    }
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
    for (const dependency of plugin.dependsOn ?? []) {
      const required = byName.get(dependency);
      if (required) visit(required, [...path, plugin.name]);
    }
    state.set(plugin.name, 'done');
    ordered.push(plugin);
  };
  for (const plugin of byName.values()) visit(plugin, []);
  return { ordered, problems };
}

/** Runs one phase of every plugin in order (`stop` in reverse), awaiting each. */
export async function runPhase(plugins: readonly StrataPlugin[], phase: Exclude<Phase, 'validate'>, context: PluginContext): Promise<void> {
  const sequence = phase === 'stop' ? [...plugins].reverse() : plugins;
  for (const plugin of sequence) await plugin[phase]?.(context);
}

/** Runs every plugin's `validate` and returns all problems, each prefixed with the plugin name. */
export async function collectPluginProblems(plugins: readonly StrataPlugin[], context: PluginContext): Promise<string[]> {
  const problems: string[] = [];
  for (const plugin of plugins) {
    const found = (await plugin.validate?.(context)) ?? [];
    problems.push(...found.map((problem) => `${plugin.name}: ${problem}`));
  }
  return problems;
}

import type { ResourceModel } from '../metadata/model.js';

/** Traits a resource model can have that only a plugin gives meaning to. */
export type ModelTrait = 'job';

const TRAITS: readonly { trait: ModelTrait; decorator: string; has(model: ResourceModel): boolean; fix: string }[] = [
  { trait: 'job', decorator: '@Job', has: (model) => model.job !== undefined, fix: 'add jobsPlugin() to plugins, or drop defaultPlugins: false (the defaults include it)' },
];

/** A problem for every model with a trait no plugin consumes (say `@Job` without the jobs plugin), naming the class and the fix. */
export function unconsumedTraitProblems(models: readonly ResourceModel[], plugins: readonly { readonly consumes?: readonly ModelTrait[] }[]): string[] {
  const problems: string[] = [];
  for (const { trait, decorator, has, fix } of TRAITS) {
    if (plugins.some((plugin) => plugin.consumes?.includes(trait))) continue;
    for (const model of models) if (has(model)) problems.push(`${model.target.name}: ${decorator} needs a plugin that runs it, and none does; ${fix}`);
  }
  return problems;
}

/**
 * Everything wrong with the app's metadata or plugins, reported at once when `bootstrap()` starts.
 * Each problem names `Class.property` (or the plugin) and how to fix it.
 */
export class BootstrapError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Strata cannot start, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
      problems.map((problem) => `  - ${problem}`).join('\n'));
    this.name = 'BootstrapError';
    this.problems = problems;
  }
}

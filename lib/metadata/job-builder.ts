import { CronExpressionParser } from 'cron-parser';
import humanInterval from 'human-interval';
import type { BackoffOptions, JobModel, JobOptions } from './job-model.js';
import type { FieldModel } from './model.js';

const KNOWN_OPTIONS = ['handler', 'concurrency', 'maxAttempts', 'backoff', 'timeout', 'every'];
const DEFAULT_BACKOFF = { type: 'exponential', delay: 1000, maxDelay: 300_000 } as const;

/**
 * Checks `@Job` options and applies defaults. Problems name the class and the fix; the schedule is
 * parsed with the same parsers Agenda uses (cron-parser, human-interval).
 */
export function buildJobModel(className: string, options: JobOptions, fields: readonly FieldModel[], drafts: boolean, problems: string[]): JobModel {
  const problem = (message: string) => problems.push(`${className}: @Job ${message}`);
  if (!options || typeof options !== 'object') {
    problem('needs an options object with a handler, e.g. @Job({ handler: async (job, ctx) => … })');
    return { handler: () => undefined, concurrency: 1, maxAttempts: 1, backoff: DEFAULT_BACKOFF };
  }
  for (const key of Object.keys(options)) if (!KNOWN_OPTIONS.includes(key)) problem(`option "${key}" is not known; use ${KNOWN_OPTIONS.join(', ')}`);
  if (typeof options.handler !== 'function') problem('handler must be a function (job, ctx) => result; pass @Job({ handler })');
  const whole = (name: 'concurrency' | 'maxAttempts', fallback: number): number => {
    const value = options[name] ?? fallback;
    if (!Number.isSafeInteger(value) || value < 1) problem(`${name} must be a whole number of at least 1, got ${JSON.stringify(options[name])}`);
    return value;
  };
  const concurrency = whole('concurrency', 5);
  const maxAttempts = whole('maxAttempts', 3);
  const backoff = buildBackoff(options.backoff, problem);
  if (options.timeout !== undefined && !(typeof options.timeout === 'number' && Number.isFinite(options.timeout) && options.timeout > 0)) {
    problem(`timeout must be a number of milliseconds above 0, got ${JSON.stringify(options.timeout)}`);
  }
  if (options.every !== undefined) {
    const scheduleProblem = everyProblem(options.every);
    if (scheduleProblem) problem(`every ${JSON.stringify(options.every)} ${scheduleProblem}`);
    const required = fields.filter((field) => !field.optional).map((field) => field.name);
    if (required.length > 0) problem(`every creates each run with no data, so every field must be optional; make ${required.join(', ')} optional (@IsOptional()) or drop every`);
  }
  if (drafts) problem('does not work with @Versioned({ drafts: true }): a job runs what was created; remove drafts');
  return { handler: options.handler, concurrency, maxAttempts, backoff, timeout: options.timeout, every: options.every };
}

function buildBackoff(backoff: BackoffOptions | undefined, problem: (message: string) => void): JobModel['backoff'] {
  if (backoff === undefined) return DEFAULT_BACKOFF;
  const fix = "backoff must be { type: 'fixed' | 'exponential', delay, maxDelay? } with delays in milliseconds";
  if (!backoff || typeof backoff !== 'object') {
    problem(`${fix}, got ${JSON.stringify(backoff)}`);
    return DEFAULT_BACKOFF;
  }
  const { type, delay, maxDelay } = backoff;
  const millis = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (type !== 'fixed' && type !== 'exponential') problem(`${fix}; type ${JSON.stringify(type)} is neither`);
  if (!millis(delay)) problem(`${fix}; delay ${JSON.stringify(delay)} is not a number of milliseconds of at least 0`);
  if (maxDelay !== undefined && (!millis(maxDelay) || maxDelay < delay)) problem(`${fix}; maxDelay ${JSON.stringify(maxDelay)} must be at least delay`);
  return { type, delay, maxDelay: maxDelay ?? (type === 'fixed' ? delay : DEFAULT_BACKOFF.maxDelay) };
}

/**
 * Why `every` is not a schedule Agenda can run, or undefined when it is: milliseconds above 0, a
 * human interval above 0 (`5 minutes`), or a cron expression that fires (`*\/5 * * * *`).
 */
export function everyProblem(every: unknown): string | undefined {
  if (typeof every === 'number') return Number.isFinite(every) && every > 0 ? undefined : 'must be above 0 milliseconds';
  if (typeof every !== 'string' || every.trim() === '') return 'must be a cron expression, a human interval such as "5 minutes", or milliseconds';
  const human = humanInterval(every);
  if (typeof human === 'number' && !Number.isNaN(human)) return human > 0 ? undefined : 'is not a positive interval; give a duration above 0';
  if (/^\s*-?\d+(\.\d+)?\s*$/.test(every)) return Number(every) > 0 ? undefined : 'must be above 0 milliseconds';
  try {
    CronExpressionParser.parse(every).next();
    return undefined;
  } catch (error) {
    return `is neither a human interval ("5 minutes") nor a cron expression that fires ("*/5 * * * *"): ${(error as Error).message}`;
  }
}

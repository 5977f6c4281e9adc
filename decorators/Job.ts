import { argsFor } from '../lib/metadata/args-store.js';
import type { JobOptions } from '../lib/metadata/job-model.js';

/**
 * Makes a `@Resource` a background job: creating one stores it and queues it in the same
 * transaction; `handler` runs it (retried with backoff up to `maxAttempts`); its state is `_job`.
 * @example @Resource() @Job({ handler: sendEmail, maxAttempts: 5, timeout: 30_000 }) class SendEmail { … }
 */
export function Job<T = Record<string, unknown>>(options: JobOptions<T>): ClassDecorator {
  return (target) => {
    argsFor(target).job = { ...options } as JobOptions;
  };
}

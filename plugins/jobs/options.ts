/** Options of the jobs plugin. */
export interface JobsOptions {
  /** Run a worker in this process (default: `STRATA_JOBS_WORKER` unless it is `false`, else true). Without one, jobs are queued for other processes. */
  worker?: boolean;
  /** Milliseconds between a worker's looks for due jobs when nothing woke it (default 1000; at most a third of lockLifetime). */
  processEvery?: number;
  /** Milliseconds a claimed job stays locked without a heartbeat (default 60 000): a job whose worker died runs again after it. */
  lockLifetime?: number;
  /** Milliseconds `strata.close()` waits for running jobs (default 10 000); then their signals are aborted and they are queued again (or failed, when that was their last attempt). */
  shutdownTimeout?: number;
  /** Milliseconds between a running attempt's checks that it is still wanted, e.g. not cancelled by another process (default 1000; at most a third of lockLifetime). */
  checkInterval?: number;
}

/** Options with defaults applied. */
export type ResolvedJobsOptions = Required<JobsOptions>;

/** Applies the defaults and collects problems (each naming the option and the fix). */
export function resolveJobsOptions(options: JobsOptions, environment: NodeJS.ProcessEnv = process.env): { resolved: ResolvedJobsOptions; problems: string[] } {
  const problems: string[] = [];
  const millis = (name: keyof Omit<JobsOptions, 'worker'>, fallback: number): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) problems.push(`option ${name} must be a number of milliseconds above 0, got ${JSON.stringify(options[name])}`);
    return value;
  };
  const worker = options.worker ?? environment.STRATA_JOBS_WORKER !== 'false';
  if (typeof worker !== 'boolean') problems.push(`option worker must be true or false, got ${JSON.stringify(options.worker)}`);
  const resolved = {
    worker,
    processEvery: millis('processEvery', 1000),
    lockLifetime: millis('lockLifetime', 60_000),
    shutdownTimeout: millis('shutdownTimeout', 10_000),
    checkInterval: millis('checkInterval', 1000),
  };
  // A lock must outlive the wait of a job claimed ahead of its run (up to processEvery) plus the
  // first refresh of a running attempt (up to a third of the lifetime plus checkInterval); else it
  // expires under a live attempt and another worker runs the job at the same time.
  const numbersValid = problems.length === 0;
  for (const name of ['processEvery', 'checkInterval'] as const) {
    if (numbersValid && resolved[name] > resolved.lockLifetime / 3) {
      problems.push(`option ${name} (${resolved[name]} ms) must be at most a third of lockLifetime (${resolved.lockLifetime} ms): lower it, or raise lockLifetime`);
    }
  }
  return { resolved, problems };
}

import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Indexed, Job, Resource } from 'strata';
import { generateReport } from './generate.js';

/**
 * A report to generate, as a background job. `POST /reports` stores it and queues it in one
 * transaction; a worker runs `generateReport`, which logs what it does and reports progress. Its
 * state is `_job` (queued → running → succeeded / failed / cancelled), each change a revision.
 */
@Resource()
@Job({ handler: generateReport, concurrency: 2, maxAttempts: 3, backoff: { type: 'exponential', delay: 500, maxDelay: 10_000 }, timeout: 60_000 })
export class Report {
  /** What the report covers. */
  @Indexed() @IsIn(['sales', 'inventory', 'signups']) kind!: string;
  /** How many days back it looks. */
  @IsInt() @Min(1) @Max(365) days!: number;
  /** Set to fail this many first attempts (to watch retries). */
  @IsOptional() @IsInt() @Min(0) failFirst?: number;
}

/** Once a night a cleanup report is created and run (`every`: one resource per run, whatever the number of workers). */
@Resource()
@Job({ handler: async (_job, ctx) => { await ctx.log('nightly housekeeping done'); return { ok: true }; }, every: '0 3 * * *' })
export class NightlyCleanup {
  @IsOptional() @IsIn(['auto']) reason?: string;
}

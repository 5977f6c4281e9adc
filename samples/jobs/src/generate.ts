import type { JobHandler } from 'strata';
import type { Report } from './models.js';

const STEP_MS = Number(process.env.REPORT_STEP_MS ?? 300);

/**
 * Generates a report in five steps, logging each and reporting progress; honours cancellation
 * through `ctx.signal`. Its return value becomes `_job.result`.
 */
export const generateReport: JobHandler<Report> = async (report, ctx) => {
  if (ctx.attempt <= (report.failFirst ?? 0)) throw new Error(`the ${report.kind} source was not reachable (attempt ${ctx.attempt})`);
  await ctx.log(`generating the ${report.kind} report for the last ${report.days} days`);
  let rows = 0;
  for (let step = 1; step <= 5; step++) {
    await sleep(STEP_MS, ctx.signal);
    rows += report.days * step;
    await ctx.progress(step * 20);
    await ctx.log(`step ${step}/5: ${rows} rows`);
  }
  return { kind: report.kind, rows, file: `reports/${report.kind}-${report.id}.csv` };
};

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

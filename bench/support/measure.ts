/** Small measuring helpers shared by the benchmarks. */

/** Runs `work` `count` times, one after another, and returns operations per second. */
export async function throughput(count: number, work: (index: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) await work(index);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

/** Runs `work` `count` times and returns the latencies in milliseconds, sorted. */
export async function latencies(count: number, work: (index: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = process.hrtime.bigint();
    await work(index);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

/** The `fraction` percentile of sorted samples (0.5 = median). */
export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

/** Prints one result line: name, value, unit and, when given, a target verdict. */
export function report(name: string, value: number, unit: string, target?: { limit: number; atMost?: boolean }): void {
  const verdict = target === undefined ? '' : (target.atMost ?? true ? value <= target.limit : value >= target.limit)
    ? `  (target ${target.atMost ?? true ? '≤' : '≥'} ${target.limit}: met)` : `  (target ${target.atMost ?? true ? '≤' : '≥'} ${target.limit}: MISSED)`;
  console.log(`${name.padEnd(58)} ${value.toFixed(value < 10 ? 3 : 1).padStart(12)} ${unit}${verdict}`);
}

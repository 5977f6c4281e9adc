import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, IsOptional, IsString } from 'class-validator';
import { Job, Resource, Versioned } from '../../index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { everyProblem } from '../../lib/metadata/job-builder.js';
import { retryDelay } from '../../plugins/jobs/runner.js';

const handler = () => undefined;

describe('@Job model', () => {
  it('applies defaults', () => {
    @Resource() @Job({ handler }) class Defaults { @IsString() name!: string; }
    const { models, problems } = buildModels([Defaults]);
    assert.deepEqual(problems, []);
    const { handler: built, ...rest } = models[0].job!;
    assert.equal(built, handler);
    assert.deepEqual(rest, { concurrency: 5, maxAttempts: 3, backoff: { type: 'exponential', delay: 1000, maxDelay: 300_000 }, timeout: undefined, every: undefined });
  });

  it('reports every bad option at once, naming the class and the fix', () => {
    @Resource() @Job({ handler: 'nope' as never, concurrency: 0, maxAttempts: 1.5, backoff: { type: 'linear' as never, delay: -1 }, timeout: 0, every: '0 seconds', retries: 3 } as never)
    class Broken { @IsString() name!: string; }
    const { problems } = buildModels([Broken]);
    const expected = [
      /^Broken: @Job option "retries" is not known/, /^Broken: @Job handler must be a function/, /^Broken: @Job concurrency must be a whole number of at least 1, got 0/,
      /^Broken: @Job maxAttempts must be a whole number of at least 1, got 1\.5/, /^Broken: @Job backoff .* type "linear" is neither/, /^Broken: @Job backoff .* delay -1/,
      /^Broken: @Job timeout must be a number of milliseconds above 0, got 0/, /^Broken: @Job every "0 seconds" is not a positive interval/,
      /^Broken: @Job every creates each run with no data, so every field must be optional; make name optional/,
    ];
    for (const pattern of expected) assert.ok(problems.some((problem) => pattern.test(problem)), `${pattern} in ${problems.join('\n')}`);
  });

  it('validates every with the parsers Agenda uses', () => {
    assert.equal(everyProblem('5 minutes'), undefined);
    assert.equal(everyProblem('*/5 * * * *'), undefined);
    assert.equal(everyProblem('*/2 * * * * *'), undefined);
    assert.equal(everyProblem(1500), undefined);
    assert.match(everyProblem('every tuesday-ish')!, /not a positive interval/);
    assert.match(everyProblem('0 0 30 2 *')!, /neither a human interval/);
    assert.match(everyProblem(-5)!, /above 0/);
    assert.match(everyProblem('')!, /cron expression/);
  });

  it('refuses drafts on a job', () => {
    @Resource() @Versioned({ drafts: true }) @Job({ handler }) class Drafty { @IsOptional() @IsInt() n?: number; }
    assert.match(buildModels([Drafty]).problems.join('\n'), /Drafty: @Job does not work with @Versioned\(\{ drafts: true \}\)/);
  });

  it('computes fixed and exponential backoff with a cap', () => {
    assert.deepEqual([1, 2, 3].map((attempt) => retryDelay({ type: 'fixed', delay: 500, maxDelay: 500 }, attempt)), [500, 500, 500]);
    assert.deepEqual([1, 2, 3, 4, 5].map((attempt) => retryDelay({ type: 'exponential', delay: 100, maxDelay: 1000 }, attempt)), [100, 200, 400, 800, 1000]);
  });
});

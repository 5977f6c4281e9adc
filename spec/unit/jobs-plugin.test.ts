import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Attempt } from '../../plugins/jobs/attempt.js';
import { resolveJobsOptions } from '../../plugins/jobs/options.js';
import { SqlJobRepository } from '../../plugins/jobs/repository.js';

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('job attempt heartbeat', () => {
  it('never overlaps beats, and finish() waits for the beat in progress so no lock refresh lands after the outcome', async () => {
    let claimCalls = 0;
    let beatStarted!: () => void;
    const started = new Promise<void>((resolve) => { beatStarted = resolve; });
    let releaseClaim!: () => void;
    const claimRead = new Promise<void>((resolve) => { releaseClaim = resolve; });
    let finished = false;
    const touches: boolean[] = [];
    const runtime = {
      options: { checkInterval: 10, lockLifetime: 30 },
      repository: { claimOf: async () => { claimCalls++; beatStarted(); await claimRead; return 'claim-1'; } },
      logger: { warn() {} },
      abort() {},
    };
    const agendaJob = { attrs: { _id: 'Thing:1', claim: 'claim-1' }, touch: async () => { touches.push(finished); } };
    const attempt = new Attempt(runtime as never, {} as never, '1', { attempts: 1 } as never, agendaJob as never);
    attempt.start();
    await started;
    await sleep(60);
    assert.equal(claimCalls, 1, 'a slow beat is not joined by more beats');
    const finishing = attempt.finish().then(() => { finished = true; });
    releaseClaim();
    await finishing;
    await sleep(30);
    assert.deepEqual(touches, [false], 'the lock was refreshed once, before finish() returned');
  });
});

describe('jobs plugin options', () => {
  it('applies the defaults', () => {
    assert.deepEqual(resolveJobsOptions({}, {}), {
      resolved: { worker: true, processEvery: 1000, lockLifetime: 60_000, shutdownTimeout: 10_000, checkInterval: 1000 }, problems: [],
    });
  });

  it('refuses a lock lifetime that a claimed or running job could outlive', () => {
    assert.deepEqual(resolveJobsOptions({ lockLifetime: 1500, checkInterval: 200, processEvery: 100 }, {}).problems, []);
    assert.deepEqual(resolveJobsOptions({ lockLifetime: 1000 }, {}).problems, [
      'option processEvery (1000 ms) must be at most a third of lockLifetime (1000 ms): lower it, or raise lockLifetime',
      'option checkInterval (1000 ms) must be at most a third of lockLifetime (1000 ms): lower it, or raise lockLifetime',
    ]);
    assert.deepEqual(resolveJobsOptions({ lockLifetime: -1 }, {}).problems, ['option lockLifetime must be a number of milliseconds above 0, got -1']);
  });
});

describe('job repository', () => {
  it('unlockJob never rejects: Agenda calls it without awaiting, and an unhandled rejection ends the process', async () => {
    const failing = { dialect: { name: 'sqlite' }, run: () => Promise.reject(new Error('the database is unreachable')) };
    const repository = new SqlJobRepository(failing as never);
    await repository.unlockJob({ _id: 'Thing:1', name: 'Thing', claim: 'claim-1' } as never);
  });
});

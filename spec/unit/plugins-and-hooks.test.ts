import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { definePlugin, HookRegistry, type HookContext, type StrataPlugin } from '../../lib/plugin-api.js';
import { collectPluginProblems, orderPlugins, runPhase } from '../../lib/plugin/runner.js';
import type { PluginContext } from '../../lib/plugin/context.js';

const model = { target: class Thing {}, name: 'Thing' } as unknown as HookContext['model'];
const context = (operation: HookContext['operation']): HookContext => ({ operation, model, user: null, checked: false, restrict: () => undefined, input: {}, state: {} });

describe('HookRegistry', () => {
  it('runs around hooks outermost first and passes the result back out', async () => {
    const calls: string[] = [];
    const hooks = new HookRegistry()
      .around('create', async (_context, next) => { calls.push('outer in'); const result = await next(); calls.push('outer out'); return result; })
      .around('create', async (_context, next) => { calls.push('inner in'); const result = await next(); calls.push('inner out'); return result; });
    const result = await hooks.run(context('create'), async () => { calls.push('operation'); return 42; });
    assert.equal(result, 42);
    assert.deepEqual(calls, ['outer in', 'inner in', 'operation', 'inner out', 'outer out']);
  });

  it('compiles before, after and error helpers into around hooks', async () => {
    const hooks = new HookRegistry()
      .before('update', (hookContext) => { hookContext.state.seen = true; })
      .after('update', (hookContext) => { hookContext.result = `${String(hookContext.result)}!`; })
      .error('delete', (hookContext) => { hookContext.error = new Error(`wrapped: ${(hookContext.error as Error).message}`); });
    const updateContext = context('update');
    assert.equal(await hooks.run(updateContext, async () => 'done'), 'done!');
    assert.equal(updateContext.state.seen, true);
    await assert.rejects(hooks.run(context('delete'), async () => { throw new Error('boom'); }), /wrapped: boom/);
  });

  it('a throwing before hook stops the operation', async () => {
    let ran = false;
    const hooks = new HookRegistry().before('create', () => { throw new Error('refused'); });
    await assert.rejects(hooks.run(context('create'), async () => { ran = true; }), /refused/);
    assert.equal(ran, false);
  });

  it('applies hooks only to their operations and resources', async () => {
    class Other {}
    const seen: string[] = [];
    const hooks = new HookRegistry()
      .before('*', (hookContext) => { seen.push(`any:${hookContext.operation}`); })
      .before({ operations: ['get'], resources: [Other] }, () => { seen.push('other only'); });
    await hooks.run(context('get'), async () => undefined);
    assert.deepEqual(seen, ['any:get']);
  });

  it('records unknown hook names as problems, and throws once sealed', () => {
    const hooks = new HookRegistry();
    hooks.before('creat' as never, () => undefined);
    assert.match(hooks.problems[0], /hook "creat" does not exist; hook names are: create, /);
    hooks.seal();
    assert.throws(() => hooks.after('updated' as never, () => undefined), /hook "updated" does not exist/);
  });
});

describe('plugins', () => {
  const plugin = (name: string, dependsOn: string[] = [], log: string[] = []): StrataPlugin => definePlugin({
    name, dependsOn,
    configure() { log.push(`configure ${name}`); },
    start() { log.push(`start ${name}`); },
    stop() { log.push(`stop ${name}`); },
  });

  it('orders plugins after their dependencies and stops them in reverse', async () => {
    const log: string[] = [];
    const { ordered, problems } = orderPlugins([plugin('admin', ['rest'], log), plugin('rest', [], log), plugin('events', [], log)]);
    assert.deepEqual(problems, []);
    assert.deepEqual(ordered.map((entry) => entry.name), ['rest', 'admin', 'events']);
    await runPhase(ordered, 'start', () => ({}) as PluginContext);
    await runPhase(ordered, 'stop', () => ({}) as PluginContext);
    assert.deepEqual(log, ['start rest', 'start admin', 'start events', 'stop events', 'stop admin', 'stop rest']);
  });

  it('reports missing dependencies, duplicates and cycles together', () => {
    const { problems } = orderPlugins([plugin('a', ['b']), plugin('b', ['a']), plugin('c', ['missing']), plugin('d'), plugin('d')]);
    assert.ok(problems.some((problem) => /plugin "d" is listed twice/.test(problem)));
    assert.ok(problems.some((problem) => /depends on "missing", which is not in plugins/.test(problem)));
    assert.ok(problems.some((problem) => /cycle: a → b → a/.test(problem)));
  });

  it('collects validate problems of every plugin, prefixed with its name', async () => {
    const problems = await collectPluginProblems([
      definePlugin({ name: 'one', validate: () => ['first'] }),
      definePlugin({ name: 'two', validate: () => ['second', 'third'] }),
    ], () => ({}) as PluginContext);
    assert.deepEqual(problems, ['one: first', 'two: second', 'two: third']);
  });

  it('definePlugin rejects a plugin without a name or with a phase that is not a function', () => {
    assert.throws(() => definePlugin({ name: '' }), /needs a non-empty name/);
    assert.throws(() => definePlugin({ name: 'x', start: 'soon' as never }), /x\.start must be a function/);
  });
});

import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsOptional, IsString, Length } from 'class-validator';
import { Allow, BootstrapError, bootstrap, Indexed, permissionsPlugin, Resource, StrataError, type AllowAction } from '../../index.js';

/** Bootstraps `resources` with the permissions plugin and returns the bootstrap problems (none: []). */
async function problemsOf(resources: Function[], options: Parameters<typeof permissionsPlugin>[0] = {}): Promise<string[]> {
  try {
    const strata = await bootstrap(null, { resources, database: 'sqlite::memory:', defaultPlugins: false, plugins: [permissionsPlugin(options)], logLevel: 'silent' });
    await strata.close();
    return [];
  } catch (error) {
    // The runner names the plugin that reported each problem.
    if (error instanceof BootstrapError) return error.problems.map((problem) => problem.replace(/^permissions: /, ''));
    throw error;
  }
}

describe('permissions: policies are checked at bootstrap', () => {
  it('names an unknown action, option, role and a property rule that is not read or write, with the fix', async () => {
    @Resource()
    @Allow('editor', ['read', 'edit' as AllowAction])
    @Allow('author', 'update', { own: true, mine: true } as never)
    @Allow('bad role', 'read')
    class Memo {
      @Indexed() @Length(1, 50) title!: string;
      @Allow('admin', 'delete' as 'write') @IsOptional() @IsString() secret?: string;
      @Allow('admin', 'read', { own: true }) @IsOptional() @IsString() other?: string;
    }
    const problems = await problemsOf([Memo]);
    assert.ok(problems.some((problem) => /^Memo: @Allow\('editor', \["read","edit"\]\) names the unknown action 'edit'; actions are read, list, .* and '\*'$/.test(problem)), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.includes("has the unknown option 'mine'; the options are own and where")), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.includes('names the role "bad role"; roles are non-empty words without spaces or commas')), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.startsWith("Memo.secret: @Allow('admin', 'delete'): a property rule takes 'read' or 'write'")), problems.join('\n'));
    assert.ok(problems.some((problem) => problem.startsWith("Memo.other: @Allow('admin', 'read'): own and where apply to class rules only")), problems.join('\n'));
  });

  it('refuses a where scope on a field that is not indexed, and rules for a resource that does not exist', async () => {
    @Resource()
    @Allow('member', 'read', { where: { body: 'x' } })
    class Note {
      @Indexed() @Length(1, 50) title!: string;
      @IsOptional() @IsString() body?: string;
    }
    const problems = await problemsOf([Note], { rules: { Nope: [{ roles: 'admin', actions: '*' }] } });
    assert.ok(problems.some((problem) => problem.startsWith("Note: @Allow('member', [\"read\"]): its where is not a filter on indexed fields") && problem.includes('unknown field "body"') && problem.includes('mark the fields it names @Indexed()')), problems.join('\n'));
    assert.ok(problems.some((problem) => problem === 'permissionsPlugin({ rules }): there is no resource named Nope; resources are Note'), problems.join('\n'));
  });

  it('runs the app\'s own calls as the system and checks manager.as(user) like a request', async () => {
    @Resource()
    @Allow('reader', ['read', 'list'], { where: { title: { startsWith: 'public' } } })
    class Page {
      @Indexed() @Length(1, 50) title!: string;
    }
    const strata = await bootstrap(null, { resources: [Page], database: 'sqlite::memory:', defaultPlugins: false, plugins: [permissionsPlugin()], logLevel: 'silent' });
    try {
      const pages = strata.manager(Page);
      const hidden = await pages.create({ title: 'internal' });
      const shown = await pages.create({ title: 'public page' });
      assert.equal((await pages.list()).items.length, 2, 'the system sees everything');
      const reader = pages.as({ id: 'r', roles: ['reader'] });
      assert.deepEqual((await reader.list()).items.map((item) => item.id), [shown.id]);
      assert.equal(await reader.count(), 1);
      await assert.rejects(reader.get(hidden.id), (error: unknown) => error instanceof StrataError && error.code === 'NOT_FOUND');
      await assert.rejects(reader.create({ title: 'public too' }), (error: unknown) => error instanceof StrataError && error.code === 'FORBIDDEN');
      await assert.rejects(pages.as(null).list(), (error: unknown) => error instanceof StrataError && error.code === 'UNAUTHORIZED');
      assert.equal((await pages.count()), 2, 'nothing was written by the refused create');
    } finally {
      await strata.close();
    }
  });
});

import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, Length } from 'class-validator';
import { BootstrapError, Indexed, Resource, StrataError, bootstrap, definePlugin, type HookName, type StrataPlugin } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, uniqueEmail, useConformanceApp } from '../support/conformance.js';

@Resource()
class Gadget {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
}

@Resource()
class AuditEntry {
  @Indexed() @Length(1, 100) subject!: string;
}

/** What a hook saw of one call. */
interface Observed {
  operation: HookName;
  user: string | null;
  resource: string;
  id?: unknown;
}

/** Names that make the test plugin's hooks misbehave. */
const REJECT_BEFORE = 'reject-before';
const REJECT_AFTER = 'reject-after';

/** A plugin whose hooks fail on demand, write audit entries and record every call they wrap. */
function testHooks(observed: Observed[]): StrataPlugin {
  return definePlugin({
    name: 'conformance-hooks',
    configure({ hooks, manager }) {
      hooks.around('*', async (context, next) => {
        observed.push({ operation: context.operation, user: context.user?.id ?? null, resource: context.model.name, id: context.input.id });
        return next();
      });
      // Registered before the audit hook, so it wraps it: it throws after the audit entry is written.
      hooks.after({ operations: ['create', 'update', 'patch', 'delete'], resources: [Gadget] }, (context) => {
        if (context.user?.id === REJECT_AFTER || nameOf(context.input) === REJECT_AFTER) throw StrataError.conflict('the after hook refused');
      });
      hooks.before({ operations: ['create', 'update', 'patch', 'delete'], resources: [Gadget] }, (context) => {
        if (context.user?.id === REJECT_BEFORE || nameOf(context.input) === REJECT_BEFORE) throw new Error('the before hook refused');
      });
      hooks.after({ operations: ['create', 'update', 'delete'], resources: [Gadget] }, async (context) => {
        await manager(AuditEntry).create({ subject: `${context.operation} ${(context.result as { id?: string } | undefined)?.id ?? String(context.input.id)}` });
      });
      hooks.after({ operations: 'get', resources: [Gadget] }, (context) => {
        if (context.user?.id === 'masked') context.result = { ...(context.result as object), email: '***' };
      });
    },
  });
}

function nameOf(input: Record<string, unknown>): unknown {
  return (input.data as { name?: unknown } | undefined)?.name;
}

describe('conformance: hooks', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const observed: Observed[] = [];
      const app = useConformanceApp(backend, { resources: [Gadget, AuditEntry], plugins: [testHooks(observed)] });
      const gadgets = () => app.strata.manager(Gadget);
      const audits = () => app.strata.manager(AuditEntry);

      it('a before hook that throws stores nothing', async () => {
        const email = uniqueEmail('before');
        await assert.rejects(gadgets().create({ name: REJECT_BEFORE, email }), /the before hook refused/);
        assert.equal(await gadgets().count({ where: { email } }), 0);
        const gadget = await gadgets().create({ name: 'kept', email });
        await assert.rejects(gadgets().update(gadget.id, { name: 'changed', email }, { user: { id: REJECT_BEFORE } }), /the before hook refused/);
        await assert.rejects(gadgets().delete(gadget.id, { user: { id: REJECT_BEFORE } }), /the before hook refused/);
        assert.deepEqual(await gadgets().get(gadget.id), gadget);
        assert.equal((await gadgets().revisions(gadget.id)).items.length, 1);
      });

      it('an after hook that throws rolls the write back, with what other hooks wrote', async () => {
        const email = uniqueEmail('after');
        const auditsBefore = await audits().count();
        await expectStrataError(gadgets().create({ name: REJECT_AFTER, email }), 'CONFLICT');
        assert.equal(await gadgets().count({ where: { email } }), 0);
        assert.equal(await audits().count(), auditsBefore, 'the audit entry written inside the write is rolled back');

        // The unique value of the rolled-back create is free.
        const gadget = await gadgets().create({ name: 'kept', email });
        assert.equal(await audits().count(), auditsBefore + 1);
        await expectStrataError(gadgets().update(gadget.id, { name: REJECT_AFTER, email }), 'CONFLICT');
        await expectStrataError(gadgets().patch(gadget.id, { name: 'patched' }, { user: { id: REJECT_AFTER } }), 'CONFLICT');
        await expectStrataError(gadgets().delete(gadget.id, { user: { id: REJECT_AFTER } }), 'CONFLICT');
        assert.deepEqual(await gadgets().get(gadget.id), gadget);
        assert.equal((await gadgets().revisions(gadget.id)).items.length, 1);
        assert.equal(await audits().count(), auditsBefore + 1);
      });

      it('hooks see context.user and context.operation', async () => {
        observed.length = 0;
        const gadget = await gadgets().create({ name: 'observed', email: uniqueEmail('observed') }, { user: { id: 'alice' } });
        await gadgets().get(gadget.id, { user: { id: 'bob' } });
        await gadgets().list({ where: { name: 'observed' } });
        await gadgets().patch(gadget.id, { name: 'observed again' }, { user: { id: 'carol' } });
        await gadgets().revisions(gadget.id, { user: { id: 'dave' } });
        await gadgets().delete(gadget.id, { user: { id: 'erin' } });
        await gadgets().restore(gadget.id, { user: { id: 'frank' } });
        const mine = observed.filter((entry) => entry.resource === 'Gadget');
        assert.deepEqual(mine.map((entry) => [entry.operation, entry.user]), [
          ['create', 'alice'], ['get', 'bob'], ['list', null], ['patch', 'carol'], ['revisions', 'dave'], ['delete', 'erin'], ['restore', 'frank'],
        ]);
        assert.deepEqual(mine.slice(1).map((entry) => entry.id), [gadget.id, undefined, gadget.id, gadget.id, gadget.id, gadget.id]);
        // The audit hook's own create runs through the hooks too, inside the same call.
        assert.ok(observed.some((entry) => entry.resource === 'AuditEntry' && entry.operation === 'create' && entry.user === null));
      });

      it('createMany runs the create hooks for every item', async () => {
        observed.length = 0;
        await gadgets().createMany([
          { name: 'many 1', email: uniqueEmail('many') },
          { name: 'many 2', email: uniqueEmail('many') },
        ], { user: { id: 'alice' } });
        const mine = observed.filter((entry) => entry.resource === 'Gadget');
        assert.deepEqual(mine.map((entry) => [entry.operation, entry.user]), [['createMany', 'alice'], ['create', 'alice'], ['create', 'alice']]);
        const email = uniqueEmail('many');
        await assert.rejects(gadgets().createMany([{ name: 'many 3', email }, { name: REJECT_BEFORE, email: uniqueEmail('many') }]), /the before hook refused/);
        assert.equal(await gadgets().count({ where: { email } }), 0);
      });

      it('an after hook may replace the result', async () => {
        const gadget = await gadgets().create({ name: 'masked', email: uniqueEmail('masked') });
        assert.equal((await gadgets().get(gadget.id, { user: { id: 'masked' } })).email, '***');
        assert.equal((await gadgets().get(gadget.id)).email, gadget.email);
      });

      it('an unknown hook name makes bootstrap reject with BootstrapError', async () => {
        const unknownHook = definePlugin({
          name: 'unknown-hook',
          configure({ hooks }) {
            hooks.before('explode' as HookName, () => undefined);
          },
        });
        const database = await backend.create();
        try {
          await assert.rejects(bootstrap(null, { resources: [Gadget], database: database.url, plugins: [unknownHook] }), (error: unknown) => {
            assert.ok(error instanceof BootstrapError, String(error));
            assert.match(error.message, /explode/);
            return true;
          });
        } finally {
          await database.dispose();
        }
      });
    });
  }
});

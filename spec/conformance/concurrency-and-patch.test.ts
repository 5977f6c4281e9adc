import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsInt, IsOptional, Length, Min } from 'class-validator';
import { Indexed, Resource, bootstrap, isStrataError } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, uniqueEmail, useConformanceApp } from '../support/conformance.js';

@Resource()
class Ledger {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
  @IsOptional() @Length(0, 2000) bio?: string;
}

describe('conformance: concurrency and patch', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Ledger] });
      const ledgers = () => app.strata.manager(Ledger);
      const fresh = (name: string) => ledgers().create({ name, email: uniqueEmail(name), age: 30, bio: 'hello' });

      it('a stale expectedRevision is PRECONDITION_FAILED and writes nothing', async () => {
        const created = await fresh('stale');
        const second = await ledgers().update(created.id, { name: 'second', email: created.email }, { expectedRevision: 1 });
        assert.equal(second._meta.revision, 2);
        await expectStrataError(ledgers().update(created.id, { name: 'third', email: created.email }, { expectedRevision: 1 }), 'PRECONDITION_FAILED');
        await expectStrataError(ledgers().patch(created.id, { name: 'third' }, { expectedRevision: 1 }), 'PRECONDITION_FAILED');
        await expectStrataError(ledgers().delete(created.id, { expectedRevision: 1 }), 'PRECONDITION_FAILED');
        assert.deepEqual(await ledgers().get(created.id), second);
        assert.equal((await ledgers().revisions(created.id)).items.length, 2);
      });

      it('ifMatch: the current ETag matches, a stale or weak one does not, * always does', async () => {
        const created = await fresh('etag');
        const { etag } = created._meta;
        const updated = await ledgers().patch(created.id, { age: 31 }, { ifMatch: etag });
        assert.equal(updated.age, 31);

        await expectStrataError(ledgers().patch(created.id, { age: 32 }, { ifMatch: etag }), 'PRECONDITION_FAILED');
        await expectStrataError(ledgers().patch(created.id, { age: 32 }, { ifMatch: `W/${updated._meta.etag}` }), 'PRECONDITION_FAILED');
        await expectStrataError(ledgers().delete(created.id, { ifMatch: '"nothing-like-it"' }), 'PRECONDITION_FAILED');
        assert.deepEqual(await ledgers().get(created.id), updated);

        const listed = await ledgers().patch(created.id, { age: 33 }, { ifMatch: ['"other"', updated._meta.etag] });
        assert.equal(listed.age, 33);
        const header = await ledgers().patch(created.id, { age: 34 }, { ifMatch: `"other", ${listed._meta.etag}` });
        assert.equal(header.age, 34);
        const star = await ledgers().patch(created.id, { age: 35 }, { ifMatch: '*' });
        assert.equal(star.age, 35);
        assert.equal(star._meta.revision, 5);
      });

      it('a failing JSON Patch test operation is CONFLICT and changes nothing', async () => {
        const created = await fresh('patch-test');
        await expectStrataError(ledgers().patch(created.id, [
          { op: 'replace', path: '/name', value: 'changed' },
          { op: 'test', path: '/age', value: 99 },
        ], { format: 'json-patch' }), 'CONFLICT');
        await expectStrataError(ledgers().patch(created.id, [
          { op: 'replace', path: '/name', value: 'changed' },
          { op: 'remove', path: '/nickname' },
        ], { format: 'json-patch' }), 'CONFLICT');
        const current = await ledgers().get(created.id);
        assert.deepEqual(current, created);
        assert.equal(current._meta.revisionCount, 1);

        const passed = await ledgers().patch(created.id, [
          { op: 'test', path: '/age', value: 30 },
          { op: 'replace', path: '/name', value: 'changed' },
          { op: 'remove', path: '/bio' },
        ], { format: 'json-patch' });
        assert.equal(passed.name, 'changed');
        assert.equal('bio' in passed, false);
        assert.equal(passed._meta.revision, 2);
      });

      it('a JSON Patch that is not a list of operations is BAD_REQUEST', async () => {
        const created = await fresh('patch-shape');
        await expectStrataError(ledgers().patch(created.id, { op: 'replace', path: '/name', value: 'x' }, { format: 'json-patch' }), 'BAD_REQUEST');
        await expectStrataError(ledgers().patch(created.id, [{ op: 'frobnicate', path: '/name' }], { format: 'json-patch' }), 'BAD_REQUEST');
        assert.deepEqual(await ledgers().get(created.id), created);
      });

      it('a merge patch changes the named fields and null removes an optional field', async () => {
        const created = await fresh('merge');
        const patched = await ledgers().patch(created.id, { bio: null, age: 44 }, { format: 'merge-patch' });
        assert.deepEqual({ ...patched, _meta: undefined }, { id: created.id, name: 'merge', email: created.email, age: 44, _meta: undefined });
        assert.equal(patched._meta.revision, 2);
        assert.deepEqual((await ledgers().revision(created.id, 2)).data, { name: 'merge', email: created.email, age: 44 });
        // Merge patch is the default format.
        const again = await ledgers().patch(created.id, { name: 'merged' });
        assert.equal(again.name, 'merged');
        assert.equal(again.age, 44);
      });

      it('a patch that breaks validation is VALIDATION_FAILED and writes nothing', async () => {
        const created = await fresh('invalid-patch');
        const removed = await expectStrataError(ledgers().patch(created.id, { name: null }), 'VALIDATION_FAILED');
        assert.deepEqual(removed.errors.map((detail) => detail.path), ['name']);
        const unknown = await expectStrataError(ledgers().patch(created.id, [{ op: 'add', path: '/nickname', value: 'x' }], { format: 'json-patch' }), 'VALIDATION_FAILED');
        assert.deepEqual(unknown.errors.map((detail) => detail.path), ['nickname']);
        const typed = await expectStrataError(ledgers().patch(created.id, { age: 'old' }), 'VALIDATION_FAILED');
        assert.deepEqual(typed.errors.map((detail) => detail.path), ['age']);
        assert.deepEqual(await ledgers().get(created.id), created);
      });

      it('a patch with a __proto__ key is VALIDATION_FAILED and pollutes nothing', async () => {
        const created = await fresh('proto');
        const merge = JSON.parse('{"bio": "x", "__proto__": {"polluted": "yes"}}') as unknown;
        await expectStrataError(ledgers().patch(created.id, merge, { format: 'merge-patch' }), 'VALIDATION_FAILED');
        const nested = JSON.parse('{"bio": {"__proto__": {"polluted": "yes"}}}') as unknown;
        await expectStrataError(ledgers().patch(created.id, nested, { format: 'merge-patch' }), 'VALIDATION_FAILED');
        await expectStrataError(ledgers().patch(created.id, [{ op: 'add', path: '/__proto__/polluted', value: 'yes' }], { format: 'json-patch' }), 'VALIDATION_FAILED');
        await expectStrataError(ledgers().patch(created.id, [{ op: 'add', path: '/constructor/prototype/polluted', value: 'yes' }], { format: 'json-patch' }), 'VALIDATION_FAILED');
        const body = JSON.parse(`{"name": "p", "email": "${uniqueEmail('proto')}", "__proto__": {"polluted": "yes"}}`) as Record<string, unknown>;
        await expectStrataError(ledgers().create(body), 'VALIDATION_FAILED');
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
        assert.deepEqual(await ledgers().get(created.id), created);
      });

      it('concurrent updates all land, one revision after another', async () => {
        const created = await fresh('race');
        const writers = 8;
        const results = await Promise.all(Array.from({ length: writers }, (_, index) =>
          ledgers().update(created.id, { name: `writer ${index}`, email: created.email, age: index })));
        assert.deepEqual(results.map((result) => result._meta.revision).sort((left, right) => left - right), Array.from({ length: writers }, (_, index) => index + 2));
        const current = await ledgers().get(created.id);
        assert.equal(current._meta.revision, writers + 1);
        assert.equal(current._meta.revisionCount, writers + 1);
        const { items } = await ledgers().revisions(created.id);
        assert.deepEqual(items.map((entry) => entry.parent), [null, ...Array.from({ length: writers }, (_, index) => index + 1)]);
      });

      it('concurrent conditional updates: exactly one wins, the others are PRECONDITION_FAILED', async () => {
        const created = await fresh('conditional');
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, index) =>
          ledgers().patch(created.id, { age: 50 + index }, { expectedRevision: 1 })));
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        assert.equal(won.length, 1);
        for (const outcome of lost) {
          assert.ok(isStrataError(outcome.reason), String(outcome.reason));
          assert.equal(outcome.reason.code, 'PRECONDITION_FAILED');
        }
        const current = await ledgers().get(created.id);
        assert.equal(current._meta.revisionCount, 2);
      });

      it('two apps on one database: concurrent writes from both queue instead of failing',
        { skip: backend.name === 'sqlite-memory' ? 'an in-memory database belongs to one app' : false },
        async () => {
          const second = await bootstrap(null, { resources: [Ledger], database: app.url, plugins: [] });
          try {
            const apps = [app.strata, second];
            const created = await fresh('two-apps');
            const writes = 12;
            const outcomes = await Promise.allSettled(Array.from({ length: writes }, (_, index) =>
              apps[index % 2].manager(Ledger).patch(created.id, { age: index })));
            const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
            assert.deepEqual(failures.map((failure) => String(failure.reason)), []);
            const current = await second.manager(Ledger).get(created.id);
            assert.equal(current._meta.revisionCount, writes + 1);
            const { items } = await ledgers().revisions(created.id);
            assert.deepEqual(items.map((entry) => entry.parent), [null, ...Array.from({ length: writes }, (_, index) => index + 1)]);

            const creates = await Promise.allSettled(Array.from({ length: writes }, (_, index) =>
              apps[index % 2].manager(Ledger).create({ name: `two-apps ${index}`, email: uniqueEmail('two-apps') })));
            assert.deepEqual(creates.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason)), []);
            assert.equal(await ledgers().count({ where: { name: { startsWith: 'two-apps ' } } }), writes);
          } finally {
            await second.close();
          }
        });
    });
  }
});

import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsInt, IsOptional, Length, Min } from 'class-validator';
import { Indexed, Resource, Versioned } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, isIsoTimestamp, uniqueEmail, useConformanceApp } from '../support/conformance.js';

@Resource()
@Versioned()
class Chronicle {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
  @IsOptional() @Length(0, 2000) bio?: string;
}

const alice = { user: { id: 'alice' } };
const bob = { user: { id: 'bob' } };

const META_KEYS = ['createdAt', 'createdBy', 'deleted', 'etag', 'revision', 'revisionCount', 'revisionId', 'schemaVersion', 'status', 'updatedAt', 'updatedBy'];
const REVISION_KEYS = ['createdAt', 'createdBy', 'hash', 'parent', 'revision', 'revisionId', 'schemaVersion', 'status'];

describe('conformance: revisions', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Chronicle] });
      const chronicles = () => app.strata.manager(Chronicle);

      it('create makes revision 1 and records who and when', async () => {
        const email = uniqueEmail('ada');
        const created = await chronicles().create({ name: 'Ada', email, age: 36 }, alice);
        const { id, _meta: meta } = created;
        assert.equal(typeof id, 'string');
        assert.deepEqual({ ...created, _meta: undefined }, { id, name: 'Ada', email, age: 36, _meta: undefined });
        assert.deepEqual(Object.keys(meta).sort(), META_KEYS);
        assert.equal(meta.revision, 1);
        assert.equal(meta.revisionId, `${id}:1`);
        assert.equal(meta.revisionCount, 1);
        assert.equal(meta.status, 'stable');
        assert.equal(meta.deleted, false);
        assert.equal(meta.schemaVersion, 1);
        assert.equal(meta.createdBy, 'alice');
        assert.equal(meta.updatedBy, 'alice');
        assert.ok(isIsoTimestamp(meta.createdAt), meta.createdAt);
        assert.equal(meta.updatedAt, meta.createdAt);
        assert.match(meta.etag, /^"[^"]+"$/, 'a strong ETag');

        const { items, nextCursor } = await chronicles().revisions(id);
        assert.equal(nextCursor, null);
        assert.equal(items.length, 1);
        const [entry] = items;
        assert.deepEqual(Object.keys(entry).sort(), REVISION_KEYS);
        assert.equal(entry.revision, 1);
        assert.equal(entry.revisionId, `${id}:1`);
        assert.equal(entry.parent, null);
        assert.equal(entry.status, 'stable');
        assert.match(entry.hash, /^sha256:[0-9a-f]{64}$/);
        assert.equal(entry.schemaVersion, 1);
        assert.equal(entry.createdBy, 'alice');
        assert.ok(isIsoTimestamp(entry.createdAt), entry.createdAt);

        assert.deepEqual(await chronicles().get(id), created);
      });

      it('an anonymous write records no user', async () => {
        const created = await chronicles().create({ name: 'Nobody', email: uniqueEmail('nobody') });
        assert.equal(created._meta.createdBy, null);
        assert.equal(created._meta.updatedBy, null);
        assert.equal((await chronicles().revisions(created.id)).items[0].createdBy, null);
      });

      it('update makes revision n+1 whose parent is the previous one', async () => {
        const email = uniqueEmail('grace');
        const created = await chronicles().create({ name: 'Grace', email }, alice);
        const second = await chronicles().update(created.id, { name: 'Grace Hopper', email }, bob);
        assert.equal(second._meta.revision, 2);
        assert.equal(second._meta.revisionId, `${created.id}:2`);
        assert.equal(second._meta.revisionCount, 2);
        assert.equal(second._meta.createdBy, 'alice');
        assert.equal(second._meta.createdAt, created._meta.createdAt);
        assert.equal(second._meta.updatedBy, 'bob');
        assert.ok(isIsoTimestamp(second._meta.updatedAt));
        assert.ok(second._meta.updatedAt >= created._meta.updatedAt);
        assert.notEqual(second._meta.etag, created._meta.etag);
        assert.equal(second.name, 'Grace Hopper');

        const third = await chronicles().update(created.id, { name: 'Grace B. Hopper', email, age: 85 }, alice);
        assert.equal(third._meta.revision, 3);
        assert.equal(third._meta.revisionCount, 3);

        const { items } = await chronicles().revisions(created.id);
        assert.deepEqual(items.map((entry) => [entry.revision, entry.parent, entry.createdBy]), [[1, null, 'alice'], [2, 1, 'bob'], [3, 2, 'alice']]);
        assert.equal(new Set(items.map((entry) => entry.hash)).size, 3);
        assert.deepEqual(await chronicles().get(created.id), third);
      });

      it('a write of identical data creates no revision and returns the current state', async () => {
        const email = uniqueEmail('linus');
        const created = await chronicles().create({ name: 'Linus', email, age: 20 }, alice);
        // Same content, other key order and another user: still no change at all.
        const same = await chronicles().update(created.id, { age: 20, email, name: 'Linus' }, bob);
        assert.deepEqual(same, created);
        const patched = await chronicles().patch(created.id, { name: 'Linus' }, { ...bob, format: 'merge-patch' });
        assert.deepEqual(patched, created);
        const jsonPatched = await chronicles().patch(created.id, [{ op: 'replace', path: '/age', value: 20 }], { ...bob, format: 'json-patch' });
        assert.deepEqual(jsonPatched, created);
        const { items } = await chronicles().revisions(created.id);
        assert.equal(items.length, 1);
        assert.deepEqual(await chronicles().get(created.id), created);
      });

      it('lists revisions oldest first, page by page with a cursor', async () => {
        const email = uniqueEmail('paged');
        const created = await chronicles().create({ name: 'v1', email });
        for (let version = 2; version <= 5; version++) await chronicles().update(created.id, { name: `v${version}`, email });

        const all = await chronicles().revisions(created.id);
        assert.deepEqual(all.items.map((entry) => entry.revision), [1, 2, 3, 4, 5]);
        assert.equal(all.nextCursor, null);

        const seen: number[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await chronicles().revisions(created.id, { limit: 2, cursor });
          assert.ok(page.items.length <= 2);
          seen.push(...page.items.map((entry) => entry.revision));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor !== undefined && pages < 10);
        assert.deepEqual(seen, [1, 2, 3, 4, 5]);
        assert.equal(pages, 3);
        assert.ok(all.items.every((entry) => !('data' in entry)), 'list entries carry no data');
      });

      it('refuses a revision-list cursor it did not make and a limit out of range', async () => {
        const created = await chronicles().create({ name: 'Cursor', email: uniqueEmail('cursor') });
        await expectStrataError(chronicles().revisions(created.id, { cursor: 'not-a-cursor' }), 'BAD_QUERY');
        await expectStrataError(chronicles().revisions(created.id, { limit: 0 }), 'BAD_QUERY');
        await expectStrataError(chronicles().revisions(created.id, { limit: 100_000 }), 'BAD_QUERY');
      });

      it('reads one revision with its data, and an old revision through get', async () => {
        const email = uniqueEmail('one');
        const created = await chronicles().create({ name: 'First', email, age: 1 }, alice);
        await chronicles().update(created.id, { name: 'Second', email, bio: 'grown up' }, bob);

        const first = await chronicles().revision(created.id, 1);
        assert.deepEqual(Object.keys(first).sort(), [...REVISION_KEYS, 'data'].sort());
        assert.deepEqual(first.data, { name: 'First', email, age: 1 });
        assert.equal(first.revisionId, `${created.id}:1`);
        const second = await chronicles().revision(created.id, 2);
        assert.deepEqual(second.data, { name: 'Second', email, bio: 'grown up' });
        assert.equal(second.parent, 1);
        assert.equal(second.createdBy, 'bob');
        const listed = (await chronicles().revisions(created.id)).items;
        assert.deepEqual(listed, [first, second].map(({ data: _data, ...entry }) => entry));

        const old = await chronicles().get(created.id, { revision: 1 });
        assert.equal(old.name, 'First');
        assert.equal(old.age, 1);
        assert.equal(old._meta.revision, 1);
        assert.equal(old._meta.revisionCount, 2);
        const current = await chronicles().get(created.id);
        assert.equal(current.name, 'Second');
        assert.notEqual(old._meta.etag, current._meta.etag);
        assert.deepEqual(await chronicles().get(created.id, { revision: 2 }), current);
      });

      it('an unknown resource or revision is NOT_FOUND; a number that cannot be a revision BAD_REQUEST', async () => {
        const created = await chronicles().create({ name: 'Only', email: uniqueEmail('only') });
        await expectStrataError(chronicles().revision(created.id, 2), 'NOT_FOUND');
        await expectStrataError(chronicles().revision(created.id, 0), 'BAD_REQUEST');
        await expectStrataError(chronicles().get(created.id, { revision: 7 }), 'NOT_FOUND');
        await expectStrataError(chronicles().get('no-such-id'), 'NOT_FOUND');
        await expectStrataError(chronicles().revisions('no-such-id'), 'NOT_FOUND');
        await expectStrataError(chronicles().update('no-such-id', { name: 'x', email: uniqueEmail('x') }), 'NOT_FOUND');
      });

      it('the diff between two revisions is a JSON Patch', async () => {
        const email = uniqueEmail('diff');
        const created = await chronicles().create({ name: 'Ada', email, age: 36 });
        await chronicles().update(created.id, { name: 'Ada Lovelace', email, bio: 'first programmer' });
        const byPath = (operations: { path: string }[]) => [...operations].sort((left, right) => left.path.localeCompare(right.path));

        assert.deepEqual(byPath(await chronicles().diff(created.id, 1, 2)), [
          { op: 'remove', path: '/age' },
          { op: 'add', path: '/bio', value: 'first programmer' },
          { op: 'replace', path: '/name', value: 'Ada Lovelace' },
        ]);
        assert.deepEqual(byPath(await chronicles().diff(created.id, 2, 1)), [
          { op: 'add', path: '/age', value: 36 },
          { op: 'remove', path: '/bio' },
          { op: 'replace', path: '/name', value: 'Ada' },
        ]);
        assert.deepEqual(await chronicles().diff(created.id, 2, 2), []);
        await expectStrataError(chronicles().diff(created.id, 1, 3), 'NOT_FOUND');
      });
    });
  }
});

import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsOptional, Length } from 'class-validator';
import { Indexed, Resource, Versioned } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, runDirectly, useConformanceApp } from '../support/conformance.js';

@Resource()
@Versioned({ drafts: true })
class Leaflet {
  @Indexed() @Length(1, 100) title!: string;
  @Indexed({ unique: true }) @Length(1, 100) slug!: string;
  @IsOptional() @Length(0, 2000) body?: string;
}

@Resource()
class Memo {
  @Indexed() @Length(1, 100) text!: string;
}

const alice = { user: { id: 'alice' } };
const bob = { user: { id: 'bob' } };
let slugs = 0;
const nextSlug = () => `leaflet-${++slugs}`;

describe('conformance: drafts and switch', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Leaflet, Memo] });
      const leaflets = () => app.strata.manager(Leaflet);
      const memos = () => app.strata.manager(Memo);

      it('create with draft: true makes a draft revision 1', async () => {
        const created = await leaflets().create({ title: 'Draft', slug: nextSlug() }, { ...alice, draft: true });
        assert.equal(created._meta.revision, 1);
        assert.equal(created._meta.status, 'draft');
        assert.equal(created._meta.revisionCount, 1);
        const [entry] = (await leaflets().revisions(created.id)).items;
        assert.equal(entry.status, 'draft');
        assert.deepEqual(await leaflets().get(created.id), created);
      });

      it('update with draft: true makes a draft revision n+1 on top of a stable one', async () => {
        const slug = nextSlug();
        const created = await leaflets().create({ title: 'Stable', slug }, alice);
        const draft = await leaflets().update(created.id, { title: 'Work in progress', slug }, { ...bob, draft: true });
        assert.equal(draft._meta.revision, 2);
        assert.equal(draft._meta.revisionCount, 2);
        assert.equal(draft._meta.status, 'draft');
        assert.equal(draft.title, 'Work in progress');
        const { items } = await leaflets().revisions(created.id);
        assert.deepEqual(items.map((entry) => [entry.revision, entry.parent, entry.status]), [[1, null, 'stable'], [2, 1, 'draft']]);
      });

      it('a second draft write changes the draft in place: same number, new hash', async () => {
        const slug = nextSlug();
        const created = await leaflets().create({ title: 'Stable', slug }, alice);
        const draft = await leaflets().update(created.id, { title: 'Draft one', slug }, { ...alice, draft: true });
        const before = await leaflets().revision(created.id, 2);
        const changed = await leaflets().patch(created.id, { body: 'more words' }, { ...bob, draft: true, format: 'merge-patch' });
        assert.equal(changed._meta.revision, 2);
        assert.equal(changed._meta.revisionCount, 2);
        assert.equal(changed._meta.status, 'draft');
        assert.notEqual(changed._meta.etag, draft._meta.etag);
        const after = await leaflets().revision(created.id, 2);
        assert.notEqual(after.hash, before.hash);
        assert.match(after.hash, /^sha256:/);
        assert.equal(after.parent, 1, 'the draft keeps its parent');
        assert.deepEqual(after.data, { title: 'Draft one', slug, body: 'more words' });
        assert.equal((await leaflets().revisions(created.id)).items.length, 2);
        assert.deepEqual((await leaflets().revision(created.id, 1)).data, { title: 'Stable', slug });
      });

      it('publish makes the current draft stable', async () => {
        const slug = nextSlug();
        const created = await leaflets().create({ title: 'Draft', slug }, { ...alice, draft: true });
        const published = await leaflets().publish(created.id, bob);
        assert.equal(published._meta.status, 'stable');
        assert.equal(published._meta.revision, 1);
        assert.equal(published._meta.revisionCount, 1);
        assert.equal(published._meta.updatedBy, 'bob');
        assert.notEqual(published._meta.etag, created._meta.etag);
        assert.equal((await leaflets().revision(created.id, 1)).status, 'stable');
        assert.deepEqual(await leaflets().get(created.id), published);

        // The next draft write makes a new revision: the published one is stable now.
        const next = await leaflets().update(created.id, { title: 'Second draft', slug }, { draft: true });
        assert.equal(next._meta.revision, 2);
        assert.equal(next._meta.status, 'draft');
        assert.equal((await leaflets().revision(created.id, 1)).data?.title, 'Draft');
      });

      it('publish without a draft is CONFLICT', async () => {
        const created = await leaflets().create({ title: 'Stable', slug: nextSlug() });
        await expectStrataError(leaflets().publish(created.id), 'CONFLICT');
        assert.deepEqual(await leaflets().get(created.id), created);
      });

      it('a draft on a resource without drafts: true is BAD_REQUEST and stores nothing', async () => {
        const before = await memos().count();
        await expectStrataError(memos().create({ text: 'draft?' }, { draft: true }), 'BAD_REQUEST');
        assert.equal(await memos().count(), before);
        const memo = await memos().create({ text: 'stable' });
        await expectStrataError(memos().update(memo.id, { text: 'draft?' }, { draft: true }), 'BAD_REQUEST');
        await expectStrataError(memos().patch(memo.id, { text: 'draft?' }, { draft: true }), 'BAD_REQUEST');
        assert.deepEqual(await memos().get(memo.id), memo);
      });

      it('switch makes an older revision current and the next write branches from it', async () => {
        const slug = nextSlug();
        const created = await leaflets().create({ title: 'one', slug }, alice);
        await leaflets().update(created.id, { title: 'two', slug }, alice);
        const third = await leaflets().update(created.id, { title: 'three', slug }, alice);

        const switched = await leaflets().switch(created.id, 1, bob);
        assert.equal(switched.title, 'one');
        assert.equal(switched._meta.revision, 1);
        assert.equal(switched._meta.revisionId, `${created.id}:1`);
        assert.equal(switched._meta.revisionCount, 3, 'revisionCount never decreases');
        assert.equal(switched._meta.updatedBy, 'bob');
        assert.notEqual(switched._meta.etag, third._meta.etag);
        assert.deepEqual(await leaflets().get(created.id), switched);
        assert.equal((await leaflets().revisions(created.id)).items.length, 3, 'switch creates no revision');

        const branched = await leaflets().update(created.id, { title: 'one, revised', slug }, alice);
        assert.equal(branched._meta.revision, 4);
        assert.equal(branched._meta.revisionCount, 4);
        const { items } = await leaflets().revisions(created.id);
        assert.deepEqual(items.map((entry) => [entry.revision, entry.parent]), [[1, null], [2, 1], [3, 2], [4, 1]]);

        const back = await leaflets().switch(created.id, 3, alice);
        assert.equal(back.title, 'three');
        assert.equal(back._meta.revisionCount, 4);
      });

      it('switching to the current revision touches nothing', async () => {
        const slug = nextSlug();
        const created = await leaflets().create({ title: 'one', slug }, alice);
        const second = await leaflets().update(created.id, { title: 'two', slug }, alice);
        const same = await leaflets().switch(created.id, 2, bob);
        assert.deepEqual(same, second);
        assert.deepEqual(await leaflets().get(created.id), second);
      });

      it('switching to a revision that does not exist is NOT_FOUND; to a number that cannot be a revision BAD_REQUEST', async () => {
        const created = await leaflets().create({ title: 'one', slug: nextSlug() });
        await expectStrataError(leaflets().switch(created.id, 2), 'NOT_FOUND');
        for (const n of [0, -1, 1.5, 2 ** 31]) await expectStrataError(leaflets().switch(created.id, n), 'BAD_REQUEST');
        await expectStrataError(leaflets().switch('no-such-id', 1), 'NOT_FOUND');
        assert.deepEqual(await leaflets().get(created.id), created);
      });

      it('switch and publish honour expectedRevision and ifMatch', async () => {
        const slug = nextSlug();
        const created = await leaflets().create({ title: 'one', slug });
        const draft = await leaflets().update(created.id, { title: 'two', slug }, { draft: true });
        await expectStrataError(leaflets().switch(created.id, 1, { expectedRevision: 1 }), 'PRECONDITION_FAILED');
        await expectStrataError(leaflets().publish(created.id, { ifMatch: created._meta.etag }), 'PRECONDITION_FAILED');
        const published = await leaflets().publish(created.id, { ifMatch: draft._meta.etag, expectedRevision: 2 });
        assert.equal(published._meta.status, 'stable');
        const switched = await leaflets().switch(created.id, 1, { ifMatch: published._meta.etag });
        assert.equal(switched._meta.revision, 1);
      });

      it('the database refuses to change a stable revision but lets a draft change',
        { skip: backend.name === 'sqlite-memory' ? 'an in-memory database cannot be opened from a second connection' : false },
        async () => {
          const slug = nextSlug();
          const created = await leaflets().create({ title: 'stable', slug });
          await leaflets().update(created.id, { title: 'draft', slug }, { draft: true });
          const stable = await leaflets().revision(created.id, 1);

          await assert.rejects(runDirectly(app, `UPDATE strata_revisions SET hash = 'x' WHERE id = ? AND n = 1`, [created.id]),
            /stable revisions are immutable/);
          await assert.rejects(runDirectly(app, `UPDATE strata_revisions SET data = ? WHERE id = ? AND n = 1`, ['{"title":"forged"}', created.id]),
            /stable revisions are immutable/);
          assert.deepEqual(await leaflets().revision(created.id, 1), stable);

          const changed = await runDirectly(app, `UPDATE strata_revisions SET created_by = ? WHERE id = ? AND n = 2`, ['mallory', created.id]);
          assert.equal(changed.changes, 1);
          assert.equal((await leaflets().revision(created.id, 2)).createdBy, 'mallory');

          await leaflets().publish(created.id);
          await assert.rejects(runDirectly(app, `UPDATE strata_revisions SET created_by = ? WHERE id = ? AND n = 2`, ['eve', created.id]),
            /stable revisions are immutable/);
          assert.equal((await leaflets().revision(created.id, 2)).createdBy, 'mallory');
        });
    });
  }
});

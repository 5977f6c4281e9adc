import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsInt, IsOptional, Length, Min } from 'class-validator';
import { Indexed, Ref, Resource } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, uniqueEmail, useConformanceApp } from '../support/conformance.js';

@Resource()
class Patron {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
}

@Resource()
class Press {
  @Indexed() @Length(1, 100) name!: string;
}

@Resource()
class Volume {
  @Indexed() @Length(1, 100) title!: string;
  @Ref(() => Press, { onDelete: 'restrict' }) pressId!: string;
}

@Resource()
class Critique {
  @Length(1, 100) text!: string;
  @Ref(() => Volume, { onDelete: 'cascade' }) volumeId!: string;
}

@Resource()
class Bookmark {
  @Indexed() @Length(1, 100) label!: string;
  @Ref(() => Volume, { onDelete: 'setNull', optional: true }) volumeId?: string;
}

@Resource()
class Folder {
  @Indexed() @Length(1, 100) name!: string;
  @Ref(() => Folder, { onDelete: 'cascade', optional: true }) parentId?: string;
}

const alice = { user: { id: 'alice' } };
const bob = { user: { id: 'bob' } };

describe('conformance: delete, restore and purge', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Patron, Press, Volume, Critique, Bookmark, Folder] });
      const patrons = () => app.strata.manager(Patron);
      const presses = () => app.strata.manager(Press);
      const volumes = () => app.strata.manager(Volume);
      const critiques = () => app.strata.manager(Critique);
      const bookmarks = () => app.strata.manager(Bookmark);
      const folders = () => app.strata.manager(Folder);

      it('delete hides the resource from get (GONE), list and count', async () => {
        const email = uniqueEmail('hidden');
        const created = await patrons().create({ name: 'Hidden', email }, alice);
        assert.equal(await patrons().count({ where: { email } }), 1);
        assert.equal(await patrons().delete(created.id, bob), undefined);
        await expectStrataError(patrons().get(created.id), 'GONE');
        await expectStrataError(patrons().revisions(created.id), 'GONE');
        assert.deepEqual((await patrons().list({ where: { email } })).items, []);
        assert.equal(await patrons().count({ where: { email } }), 0);

        const [included] = (await patrons().list({ where: { email }, deleted: 'include' })).items;
        assert.equal(included.id, created.id);
        assert.equal(included._meta.deleted, true);
        assert.equal(included._meta.revision, 1, 'delete creates no revision');
        assert.equal(included._meta.revisionCount, 1);
        assert.equal(included._meta.updatedBy, 'bob');
      });

      it('delete frees unique values: another resource can take the email', async () => {
        const email = uniqueEmail('freed');
        const first = await patrons().create({ name: 'First', email });
        await expectStrataError(patrons().create({ name: 'Second', email }), 'UNIQUE_VIOLATION');
        await patrons().delete(first.id);
        const second = await patrons().create({ name: 'Second', email });
        assert.equal(second.email, email);
        assert.deepEqual((await patrons().list({ where: { email } })).items.map((item) => item.id), [second.id]);
      });

      it('deleting twice is GONE, and so is every write to a deleted resource', async () => {
        const email = uniqueEmail('twice');
        const created = await patrons().create({ name: 'Twice', email });
        await patrons().delete(created.id);
        await expectStrataError(patrons().delete(created.id), 'GONE');
        await expectStrataError(patrons().update(created.id, { name: 'Again', email }), 'GONE');
        await expectStrataError(patrons().patch(created.id, { name: 'Again' }), 'GONE');
        await expectStrataError(patrons().switch(created.id, 1), 'GONE');
        await expectStrataError(patrons().delete('no-such-id'), 'NOT_FOUND');
      });

      it('restoring a live resource changes nothing and returns it', async () => {
        const created = await patrons().create({ name: 'Alive', email: uniqueEmail('alive') }, alice);
        const restored = await patrons().restore(created.id, bob);
        assert.deepEqual(restored, created);
        assert.deepEqual(await patrons().get(created.id), created);
        await expectStrataError(patrons().restore('no-such-id'), 'NOT_FOUND');
      });

      it('restore after delete brings the resource back with its history', async () => {
        const email = uniqueEmail('back');
        const created = await patrons().create({ name: 'Back', email, age: 40 }, alice);
        const updated = await patrons().update(created.id, { name: 'Back again', email, age: 41 }, alice);
        await patrons().delete(created.id, bob);
        const restored = await patrons().restore(created.id, bob);
        assert.equal(restored._meta.deleted, false);
        assert.equal(restored._meta.revision, 2);
        assert.equal(restored._meta.revisionCount, 2);
        assert.equal(restored._meta.updatedBy, 'bob');
        assert.notEqual(restored._meta.etag, updated._meta.etag);
        assert.deepEqual({ ...restored, _meta: undefined }, { ...updated, _meta: undefined });
        assert.deepEqual(await patrons().get(created.id), restored);
        assert.deepEqual((await patrons().list({ where: { email } })).items.map((item) => item.id), [created.id]);
        assert.deepEqual((await patrons().revisions(created.id)).items.map((entry) => entry.revision), [1, 2]);
      });

      it('restoring into a unique value taken meanwhile is UNIQUE_VIOLATION', async () => {
        const email = uniqueEmail('taken');
        const created = await patrons().create({ name: 'Original', email });
        await patrons().delete(created.id);
        const usurper = await patrons().create({ name: 'Usurper', email });
        const error = await expectStrataError(patrons().restore(created.id), 'UNIQUE_VIOLATION');
        assert.equal(error.errors[0].path, 'email');
        await expectStrataError(patrons().get(created.id), 'GONE');
        assert.deepEqual(await patrons().get(usurper.id), usurper);
      });

      it('purge removes the resource and its history for good', async () => {
        const email = uniqueEmail('purged');
        const created = await patrons().create({ name: 'Purged', email });
        await patrons().update(created.id, { name: 'Purged later', email });
        assert.equal(await patrons().purge(created.id), undefined);
        await expectStrataError(patrons().get(created.id), 'NOT_FOUND');
        await expectStrataError(patrons().revisions(created.id), 'NOT_FOUND');
        await expectStrataError(patrons().revision(created.id, 1), 'NOT_FOUND');
        await expectStrataError(patrons().restore(created.id), 'NOT_FOUND');
        await expectStrataError(patrons().purge(created.id), 'NOT_FOUND');
        assert.deepEqual((await patrons().list({ where: { email }, deleted: 'include' })).items, []);
        await patrons().create({ name: 'Successor', email });
      });

      it('purge also removes a soft-deleted resource', async () => {
        const created = await patrons().create({ name: 'Deleted first', email: uniqueEmail('deleted-first') });
        await patrons().delete(created.id);
        await patrons().purge(created.id);
        await expectStrataError(patrons().get(created.id), 'NOT_FOUND');
        await expectStrataError(patrons().restore(created.id), 'NOT_FOUND');
        assert.deepEqual((await patrons().list({ where: { id: created.id }, deleted: 'include' })).items, []);
      });

      it('@Ref: creating with a missing or deleted target is VALIDATION_FAILED', async () => {
        const missing = await expectStrataError(volumes().create({ title: 'Orphan', pressId: 'no-such-press' }), 'VALIDATION_FAILED');
        assert.deepEqual(missing.errors.map((detail) => detail.path), ['pressId']);
        const press = await presses().create({ name: 'Gone Press' });
        await presses().delete(press.id);
        const deleted = await expectStrataError(volumes().create({ title: 'Orphan', pressId: press.id }), 'VALIDATION_FAILED');
        assert.deepEqual(deleted.errors.map((detail) => detail.path), ['pressId']);
        assert.equal(await volumes().count({ where: { title: 'Orphan' } }), 0);
      });

      it('@Ref onDelete restrict: deleting a referenced target is CONFLICT', async () => {
        const press = await presses().create({ name: 'Busy Press' });
        const volume = await volumes().create({ title: 'Held', pressId: press.id });
        await expectStrataError(presses().delete(press.id), 'CONFLICT');
        await expectStrataError(presses().purge(press.id), 'CONFLICT');
        assert.equal((await presses().get(press.id))._meta.deleted, false);
        await volumes().delete(volume.id);
        await presses().delete(press.id);
        await expectStrataError(presses().get(press.id), 'GONE');
      });

      it('@Ref onDelete cascade: deleting the target deletes the referrer', async () => {
        const press = await presses().create({ name: 'Cascade Press' });
        const volume = await volumes().create({ title: 'Cascading', pressId: press.id });
        const critique = await critiques().create({ text: 'fine', volumeId: volume.id });
        const other = await volumes().create({ title: 'Untouched', pressId: press.id });
        const kept = await critiques().create({ text: 'kept', volumeId: other.id });
        await volumes().delete(volume.id, bob);
        await expectStrataError(critiques().get(critique.id), 'GONE');
        assert.deepEqual(await critiques().get(kept.id), kept);
        // Its target is gone, so it cannot come back on its own.
        const orphan = await expectStrataError(critiques().restore(critique.id), 'VALIDATION_FAILED');
        assert.deepEqual(orphan.errors.map((detail) => detail.path), ['volumeId']);
        await expectStrataError(critiques().get(critique.id), 'GONE');
      });

      it('@Ref onDelete setNull: deleting the target clears the reference', async () => {
        const press = await presses().create({ name: 'SetNull Press' });
        const volume = await volumes().create({ title: 'Bookmarked', pressId: press.id });
        const bookmark = await bookmarks().create({ label: 'page 12', volumeId: volume.id });
        await volumes().delete(volume.id);
        const cleared = await bookmarks().get(bookmark.id);
        assert.equal(cleared.volumeId ?? null, null);
        assert.equal(cleared.label, 'page 12');
        assert.equal(cleared._meta.revision, 2);
      });

      it('@Ref onDelete cascade down a tree deletes every descendant and nothing else', { timeout: 20_000 }, async () => {
        const root = await folders().create({ name: 'tree root' });
        const child = await folders().create({ name: 'tree child', parentId: root.id });
        const grandchild = await folders().create({ name: 'tree grandchild', parentId: child.id });
        const sibling = await folders().create({ name: 'tree sibling' });
        await folders().delete(root.id);
        for (const gone of [root, child, grandchild]) await expectStrataError(folders().get(gone.id), 'GONE');
        assert.deepEqual(await folders().get(sibling.id), sibling);
      });

      it('@Ref onDelete cascade through a cycle or a self-reference ends', { timeout: 20_000 }, async () => {
        const first = await folders().create({ name: 'cycle first' });
        const second = await folders().create({ name: 'cycle second', parentId: first.id });
        await folders().patch(first.id, { parentId: second.id });
        await folders().delete(first.id);
        await expectStrataError(folders().get(first.id), 'GONE');
        await expectStrataError(folders().get(second.id), 'GONE');

        const self = await folders().create({ name: 'self' });
        await folders().patch(self.id, { parentId: self.id });
        await folders().delete(self.id);
        await expectStrataError(folders().get(self.id), 'GONE');
        const restored = await folders().restore(self.id);
        assert.equal(restored.parentId, self.id);
        await folders().purge(self.id);
        await expectStrataError(folders().get(self.id), 'NOT_FOUND');
      });
    });
  }
});

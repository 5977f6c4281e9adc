import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, IsOptional, Length } from 'class-validator';
import { Indexed, Resource, Versioned, bootstrap } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, useConformanceApp } from '../support/conformance.js';

@Resource()
@Versioned({ retain: 3 })
class Dial {
  @Indexed() @Length(1, 50) label!: string;
  @IsInt() level!: number;
}

@Resource()
@Versioned({ retain: 2, drafts: true })
class Sketch {
  @Length(1, 50) title!: string;
}

/** Version 1 of the `Person` resource, as an older release of the app declared it. */
@Resource({ name: 'Person' })
class PersonV1 {
  @Indexed() @Length(1, 100) name!: string;
}

/** Version 2 adds `fullName`; old revisions are upgraded lazily on read. */
@Resource({ name: 'Person' })
@Versioned({ schemaVersion: 2, migrations: { 2: (data) => ({ ...data, fullName: data.name }) } })
class PersonV2 {
  @Indexed() @Length(1, 100) name!: string;
  @IsOptional() @Length(1, 100) fullName?: string;
}

/** Version 2 as a release that also indexes what its migration computes. */
@Resource({ name: 'Person' })
@Versioned({ schemaVersion: 2, migrations: { 2: (data) => ({ ...data, name: String(data.name).toLowerCase(), fullName: data.name }) } })
class PersonV2Indexed {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed() @IsOptional() @Length(1, 100) fullName?: string;
}

describe('conformance: retention and migrations', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Dial, Sketch] });
      const dials = () => app.strata.manager(Dial);
      const sketches = () => app.strata.manager(Sketch);
      const revisionNumbers = async (id: string) => (await dials().revisions(id)).items.map((entry) => entry.revision);

      it('retain: 3 keeps only the last 3 revisions after 6 updates', async () => {
        const created = await dials().create({ label: 'volume', level: 0 });
        for (let level = 1; level <= 6; level++) await dials().update(created.id, { label: 'volume', level });
        assert.deepEqual(await revisionNumbers(created.id), [5, 6, 7]);
        const current = await dials().get(created.id);
        assert.equal(current._meta.revision, 7);
        assert.equal(current._meta.revisionCount, 7, 'revisionCount counts pruned revisions too');
        assert.equal(current.level, 6);
        await expectStrataError(dials().revision(created.id, 4), 'NOT_FOUND');
        await expectStrataError(dials().switch(created.id, 1), 'NOT_FOUND');
        assert.deepEqual((await dials().revision(created.id, 5)).data, { label: 'volume', level: 4 });
      });

      it('after switching to an old revision and writing more, the current revision is never pruned', async () => {
        const created = await dials().create({ label: 'balance', level: 0 });
        for (let level = 1; level <= 4; level++) await dials().update(created.id, { label: 'balance', level });
        assert.deepEqual(await revisionNumbers(created.id), [3, 4, 5]);

        const switched = await dials().switch(created.id, 3);
        assert.equal(switched._meta.revision, 3);
        assert.deepEqual(await revisionNumbers(created.id), [3, 4, 5], 'switch prunes nothing');
        for (let level = 10; level <= 13; level++) {
          const written = await dials().update(created.id, { label: 'balance', level });
          const numbers = await revisionNumbers(created.id);
          assert.ok(numbers.includes(written._meta.revision), `current revision ${written._meta.revision} kept, have ${numbers}`);
          assert.equal(numbers.length, 3);
          assert.deepEqual(await dials().get(created.id), written);
          assert.equal((await dials().revision(created.id, written._meta.revision)).data?.level, level);
        }
        const current = await dials().get(created.id);
        assert.equal(current._meta.revision, 9);
        assert.deepEqual(await revisionNumbers(created.id), [7, 8, 9]);

        // Switch to the oldest kept revision, then write: the switched-to revision is current until the write.
        await dials().switch(created.id, 7);
        assert.equal((await dials().get(created.id)).level, 11);
        const next = await dials().update(created.id, { label: 'balance', level: 20 });
        assert.equal(next._meta.revision, 10);
        assert.deepEqual(await revisionNumbers(created.id), [8, 9, 10]);
        assert.equal((await dials().revision(created.id, 10)).parent, 7);
      });

      it('retention leaves the current draft alone while it changes in place', async () => {
        const created = await sketches().create({ title: 'v1' });
        await sketches().update(created.id, { title: 'v2' });
        const draft = await sketches().update(created.id, { title: 'v3 draft' }, { draft: true });
        for (const title of ['v3 draft b', 'v3 draft c']) await sketches().update(created.id, { title }, { draft: true });
        const current = await sketches().get(created.id);
        assert.equal(current._meta.revision, draft._meta.revision);
        assert.equal(current.title, 'v3 draft c');
        const { items } = await sketches().revisions(created.id);
        assert.deepEqual(items.map((entry) => [entry.revision, entry.status]), [[2, 'stable'], [3, 'draft']]);
        const published = await sketches().publish(created.id);
        assert.equal(published._meta.status, 'stable');
      });

      it('migrations upgrade data written at an older schema version on read',
        { skip: backend.name === 'sqlite-memory' ? 'needs a database that outlives one bootstrap' : false },
        async () => {
          const database = await backend.create();
          try {
            let id: string;
            const v1 = await bootstrap(null, { resources: [PersonV1], database: database.url, plugins: [] });
            try {
              const created = await v1.manager(PersonV1).create({ name: 'Ada' }, { user: { id: 'alice' } });
              id = created.id;
              assert.equal(created._meta.schemaVersion, 1);
              await v1.manager(PersonV1).update(id, { name: 'Ada Lovelace' });
            } finally {
              await v1.close();
            }

            const v2 = await bootstrap(null, { resources: [PersonV2], database: database.url, plugins: [] });
            try {
              const people = v2.manager(PersonV2);
              const read = await people.get(id);
              assert.equal(read.name, 'Ada Lovelace');
              assert.equal(read.fullName, 'Ada Lovelace');
              assert.equal(read._meta.revision, 2);
              assert.equal(read._meta.schemaVersion, 1, '_meta.schemaVersion is the version the current revision was stored with');

              const { items } = await people.revisions(id);
              assert.deepEqual(items.map((entry) => [entry.revision, entry.schemaVersion]), [[1, 1], [2, 1]]);
              assert.deepEqual((await people.revision(id, 1)).data, { name: 'Ada', fullName: 'Ada' });
              assert.deepEqual((await people.get(id, { revision: 1 })).fullName, 'Ada');
              assert.deepEqual((await people.list({ where: { name: 'Ada Lovelace' } })).items.map((item) => item.fullName), ['Ada Lovelace']);

              const patched = await people.patch(id, { name: 'Countess of Lovelace' });
              assert.equal(patched._meta.revision, 3);
              assert.equal(patched._meta.schemaVersion, 2);
              assert.equal(patched.fullName, 'Ada Lovelace', 'the patch applies to the upgraded data');
              const third = await people.revision(id, 3);
              assert.equal(third.schemaVersion, 2);
              assert.deepEqual(third.data, { name: 'Countess of Lovelace', fullName: 'Ada Lovelace' });
              const diff = (await people.diff(id, 1, 3)).sort((left, right) => left.path.localeCompare(right.path));
              assert.deepEqual(diff, [
                { op: 'replace', path: '/fullName', value: 'Ada Lovelace' },
                { op: 'replace', path: '/name', value: 'Countess of Lovelace' },
              ]);

              // Switching back to a version-1 revision serves it upgraded again.
              const switched = await people.switch(id, 1);
              assert.equal(switched.fullName, 'Ada');
              assert.equal(switched._meta.schemaVersion, 1);
            } finally {
              await v2.close();
            }
          } finally {
            await database.dispose();
          }
        });

      it('search matches the migrated values of resources not written since the upgrade',
        { skip: backend.name === 'sqlite-memory' ? 'needs a database that outlives one bootstrap' : false },
        async () => {
          const database = await backend.create();
          try {
            const v1 = await bootstrap(null, { resources: [PersonV1], database: database.url, plugins: [] });
            const created = await v1.manager(PersonV1).create({ name: 'Ada' }).finally(() => v1.close());
            const v2 = await bootstrap(null, { resources: [PersonV2Indexed], database: database.url, plugins: [] });
            try {
              const people = v2.manager(PersonV2Indexed);
              const read = await people.get(created.id);
              assert.deepEqual([read.name, read.fullName], ['ada', 'Ada']);
              const ids = async (where: unknown) => (await people.list({ where })).items.map((item) => item.id);
              assert.deepEqual(await ids({ name: 'ada' }), [created.id], 'the name it is read with');
              assert.deepEqual(await ids({ name: 'Ada' }), [], 'not the name it was stored with');
              assert.deepEqual(await ids({ fullName: 'Ada' }), [created.id], 'a field only the migration fills');
            } finally {
              await v2.close();
            }
          } finally {
            await database.dispose();
          }
        });
    });
  }
});

import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, IsOptional, Length } from 'class-validator';
import { Indexed, Resource, Versioned, type ResourceManager, type ResourceView } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, useConformanceApp } from '../support/conformance.js';

@Resource()
@Versioned({ drafts: true })
class Manuscript {
  @Indexed({ unique: true }) @Length(1, 100) title!: string;
  @Indexed({ text: true }) @IsOptional() @Length(0, 2000) summary?: string;
  @Indexed() @IsOptional() @IsInt() pages?: number;
}

/** Everything a client can read about `id`, minus the ETag (it counts row changes, which an import starts afresh). */
async function snapshot(manager: ResourceManager<Manuscript>, view: ResourceView) {
  const { etag: _etag, ...meta } = view._meta;
  const revisions = (await manager.revisions(view.id, { limit: 100 })).items;
  const withData = await Promise.all(revisions.map((entry) => manager.revision(view.id, entry.revision)));
  return { ...view, _meta: meta, revisions: withData };
}

describe('conformance: export and import', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const source = useConformanceApp(backend, { resources: [Manuscript] });
      const target = useConformanceApp(backend, { resources: [Manuscript] });
      const from = () => source.strata.manager(Manuscript);
      const to = () => target.strata.manager(Manuscript);

      it('an export imported into an empty database reads back the same, history included', async () => {
        const plain = await from().create({ title: 'Plain', summary: 'just one revision' }, { user: { id: 'alice' } });
        const branched = await from().create({ title: 'Branched', pages: 1 });
        await from().update(branched.id, { title: 'Branched', pages: 2 }, { user: { id: 'bob' } });
        await from().switch(branched.id, 1);
        await from().update(branched.id, { title: 'Branched', pages: 3, summary: 'a branch' });
        const drafted = await from().create({ title: 'Drafted' });
        await from().update(drafted.id, { title: 'Drafted', summary: 'unfinished' }, { draft: true });
        const deleted = await from().create({ title: 'Deleted' });
        await from().delete(deleted.id, { user: { id: 'carol' } });

        const records = [];
        for await (const record of from().exportRecords()) records.push(JSON.parse(JSON.stringify(record)) as unknown);
        assert.equal(records.length, 4);
        const ids = await to().importRecords(records);
        assert.deepEqual(ids, [plain.id, branched.id, drafted.id, deleted.id]);

        for (const id of [plain.id, branched.id, drafted.id]) {
          assert.deepEqual(await snapshot(to(), await to().get(id)), await snapshot(from(), await from().get(id)));
        }
        await expectStrataError(to().get(deleted.id), 'GONE');
        const [gone] = (await to().list({ deleted: 'only' })).items;
        assert.equal(gone.id, deleted.id);
        assert.equal(gone._meta.deleted, true);

        // Indexed columns, unique indexes and full text were filled in by the import.
        assert.deepEqual((await to().list({ where: { pages: 3 } })).items.map((item) => item.id), [branched.id]);
        assert.deepEqual((await to().list({ q: 'unfinished' })).items.map((item) => item.id), [drafted.id]);
        await expectStrataError(to().create({ title: 'Plain' }), 'UNIQUE_VIOLATION');
        const restored = await to().restore(deleted.id);
        assert.equal(restored.title, 'Deleted');
        const published = await to().publish(drafted.id);
        assert.equal(published._meta.status, 'stable');
      });

      it('importing an id that exists is CONFLICT; a tampered revision is VALIDATION_FAILED; nothing is stored', async () => {
        const original = await from().create({ title: 'Original' });
        const records = [];
        for await (const record of from().exportRecords()) {
          if ((record as { id: string }).id === original.id) records.push(JSON.parse(JSON.stringify(record)) as { id: string; revisions: { data: Record<string, unknown> }[] });
        }
        const before = await to().count({ deleted: 'include' });
        await to().importRecords(records);
        await expectStrataError(to().importRecords(records), 'CONFLICT');

        const tampered = structuredClone(records[0]);
        tampered.id = 'tampered-id';
        tampered.revisions[0].data.title = 'Forged';
        await expectStrataError(to().importRecords([tampered]), 'VALIDATION_FAILED');
        await expectStrataError(to().get('tampered-id'), 'NOT_FOUND');
        assert.equal(await to().count({ deleted: 'include' }), before + 1);
      });
    });
  }
});

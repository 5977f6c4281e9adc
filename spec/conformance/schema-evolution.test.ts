import 'reflect-metadata';
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { IsInt, IsOptional, IsString, Length } from 'class-validator';
import { BootstrapError, bootstrap, Indexed, Resource, type Strata } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { runDirectly, type ConformanceApp } from '../support/conformance.js';

@Resource({ name: 'Gadget' })
class GadgetV1 {
  @Indexed({ text: true }) @Length(1, 100) name!: string;
  @IsOptional() @IsString() color?: string;
  @Indexed() @IsOptional() @IsInt() size?: number;
}

@Resource({ name: 'Gadget' })
class GadgetV2 {
  @Indexed({ text: true }) @Length(1, 100) name!: string;
  @Indexed() @IsOptional() @IsString() color?: string;
  @IsOptional() @IsInt() size?: number;
  @Indexed({ text: true }) @IsOptional() @IsString() notes?: string;
}

@Resource({ name: 'Gadget' })
class GadgetV3 {
  @Indexed({ text: true }) @Length(1, 100) name!: string;
  @Indexed() @IsOptional() @IsString() color?: string;
  @Indexed() @IsOptional() @IsString() size?: string;
  @Indexed({ text: true }) @IsOptional() @IsString() notes?: string;
}

/**
 * Schema changes are additive: a new field column is added and filled from stored data, and
 * nothing is dropped, renamed or retyped when a model changes (a warning says what was left).
 */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`schema evolution (${backend.name})`, () => {
    let database: Awaited<ReturnType<typeof backend.create>>;
    let strata: Strata | undefined;
    const open = async (resource: Function) => {
      await strata?.close();
      strata = await bootstrap(null, { resources: [resource], database: database.url, plugins: [], logLevel: 'error' });
      return strata;
    };
    const direct = () => ({ backend, url: database.url }) as ConformanceApp;
    after(async () => {
      await strata?.close();
      await database?.dispose();
    });

    it('adds a newly indexed field as a column filled from the stored data', async () => {
      database = await backend.create();
      const v1 = (await open(GadgetV1)).manager(GadgetV1);
      await v1.create({ name: 'Lamp', color: 'red', size: 3 });
      await v1.create({ name: 'Desk', color: 'oak', size: 9 });
      const v2 = (await open(GadgetV2)).manager(GadgetV2);
      const red = await v2.list({ where: { color: 'red' } });
      assert.deepEqual(red.items.map((item) => item.name), ['Lamp']);
      assert.deepEqual((await v2.list({ q: 'desk' })).items.map((item) => item.name), ['Desk']);
    });

    it('keeps the column and index of a field that is no longer indexed', async () => {
      const { rows } = await runDirectly(direct(), 'SELECT "size" FROM "gadgets_meta" ORDER BY "size"');
      assert.deepEqual(rows.map((row) => Number(row.size)), [3, 9]);
    });

    it('full-text search covers a new text field, for new and updated resources', async () => {
      const gadgets = strata!.manager(GadgetV2);
      const lamp = (await gadgets.list({ where: { color: 'red' } })).items[0];
      await gadgets.update(lamp.id, { name: 'Lamp', color: 'red', notes: 'bright reading light' });
      await gadgets.create({ name: 'Chair', notes: 'reading corner' });
      assert.deepEqual((await gadgets.list({ q: 'reading', sort: 'name' })).items.map((item) => item.name), ['Chair', 'Lamp']);
    });

    it('refuses to start when a column would change type, naming the column and the fix', async () => {
      await strata?.close();
      strata = undefined;
      await assert.rejects(bootstrap(null, { resources: [GadgetV3], database: database.url, plugins: [], logLevel: 'error' }),
        (error: BootstrapError) => error instanceof BootstrapError && /gadgets_meta\.size is \w+ in the database but the model now needs text; .*convert the column by hand/.test(error.message));
      const { rows } = await runDirectly(direct(), 'SELECT COUNT(*) AS count FROM "gadgets_meta"');
      assert.equal(Number(rows[0].count), 3);
    });
  });
}

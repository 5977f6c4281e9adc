import 'reflect-metadata';
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsInt, Length, Min } from 'class-validator';
import { Indexed, Resource } from '../../lib/index.js';
import { parseDatabaseUrl } from '../../lib/storage/database.js';
import { compileQuery, parseQuery } from '../../lib/query/index.js';
import { BACKENDS } from '../support/backends.js';
import { runDirectly, useConformanceApp } from '../support/conformance.js';

@Resource({ name: 'PlannedPerson' })
class PlannedPerson {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsInt() @Min(0) age!: number;
}

const ROWS = 3000;
const limits = { defaultLimit: 20, maxLimit: 1000 };

/**
 * Searches on indexed fields must be served by the field's index: the query plan of the compiled
 * SQL is read back from the database itself (EXPLAIN QUERY PLAN / EXPLAIN) on real tables.
 */
for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`query plans (${backend.name})`, () => {
    const app = useConformanceApp(backend, { resources: [PlannedPerson] });

    before(async () => {
      const people = app.strata.manager(PlannedPerson);
      for (let start = 0; start < ROWS; start += 500) {
        await people.createMany(Array.from({ length: 500 }, (_, offset) => {
          const index = start + offset;
          return { name: `Person ${index}`, email: `person${index}@example.com`, age: index % 97 };
        }));
      }
      await runDirectly(app, backend.name === 'postgres' ? 'ANALYZE' : 'ANALYZE');
    });

    /** The plan of a search; `scope` is a row scope (a permission's `where`) ANDed in as the permissions plugin does. */
    const plan = async (query: object, scope?: object): Promise<string> => {
      const model = app.strata.models.find((candidate) => candidate.target === PlannedPerson)!;
      const condition = scope && parseQuery(model, { where: scope }, limits).where;
      const compiled = compileQuery(model, parseQuery(model, query, limits), parseDatabaseUrl(app.url).dialect, condition);
      const { sql, params } = compiled.select;
      if (backend.name === 'postgres') {
        const { rows } = await runDirectly(app, `EXPLAIN ${sql}`, [...params]);
        return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
      }
      const { rows } = await runDirectly(app, `EXPLAIN QUERY PLAN ${sql}`, [...params]);
      return rows.map((row) => String(row.detail)).join('\n');
    };

    const usesIndex = (text: string, column: string) =>
      new RegExp(`(USING (COVERING )?INDEX|Index (Only )?Scan( Backward)? using|Bitmap Index Scan on) "?planned_persons_meta_${column}_(idx|unique)`).test(text);

    it('an equality filter uses the field index', async () => {
      const text = await plan({ where: { email: 'person1234@example.com' } });
      assert.ok(usesIndex(text, 'email'), text);
    });

    it('a range filter sorted by the field uses the field index and no sort step', async () => {
      const text = await plan({ where: { age: { gte: 10, lt: 12 } }, sort: 'age' });
      assert.ok(usesIndex(text, 'age'), text);
      assert.doesNotMatch(text, /TEMP B-TREE|^\s*Sort\b|-> {2}Sort/m, text);
    });

    it('a row scope ANDed into a search keeps it on an index: the scope\'s own, or the sorted field\'s with no sort step', async () => {
      const scoped = await plan({ sort: 'age', limit: 20 }, { email: 'person1234@example.com' });
      assert.ok(usesIndex(scoped, 'email'), scoped);
      const ranged = await plan({ where: { age: { gte: 10, lt: 12 } }, sort: 'age' }, { '_meta.status': 'stable' });
      assert.ok(usesIndex(ranged, 'age'), ranged);
      assert.doesNotMatch(ranged, /TEMP B-TREE|^\s*Sort\b|-> {2}Sort/m, ranged);
    });

    it('a sorted search walks the field index instead of sorting', async () => {
      for (const sort of ['age', '-age', 'name']) {
        const text = await plan({ sort, limit: 20 });
        assert.ok(usesIndex(text, sort.replace('-', '')), `${sort}: ${text}`);
        assert.doesNotMatch(text, /TEMP B-TREE|Sort Key/, `${sort}: ${text}`);
      }
    });
  });
}

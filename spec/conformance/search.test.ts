import 'reflect-metadata';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsInt, IsOptional, Length } from 'class-validator';
import { Indexed, Resource, isStrataError, type QueryInput, type ResourceView } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, useConformanceApp } from '../support/conformance.js';

@Resource()
class Member {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() age?: number;
  @Indexed({ text: true }) @IsOptional() @Length(0, 2000) bio?: string;
  @IsOptional() @Length(0, 100) nickname?: string;
}

@Resource()
class Ticket {
  @Indexed() @Length(1, 50) queue!: string;
  @Indexed() @IsInt() seq!: number;
}

/** The fixed data set, in creation order. `dee` and `hal` have no age. */
const MEMBERS: { name: string; age?: number; bio?: string }[] = [
  { name: 'ada', age: 36, bio: 'writes programs for the analytical engine' },
  { name: 'bob', age: 25, bio: 'the quick brown fox' },
  { name: 'cyd', age: 30 },
  { name: 'dee', bio: 'a lazy dog sleeps all day' },
  { name: 'eve', age: 41, bio: 'reads other people\'s mail' },
  { name: 'fay', age: 25 },
  { name: 'hal' },
];
const ALL = MEMBERS.map((member) => member.name);

describe('conformance: search', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Member, Ticket] });
      const members = () => app.strata.manager(Member);
      const tickets = () => app.strata.manager(Ticket);
      const created = new Map<string, ResourceView>();

      before(async () => {
        for (const member of MEMBERS) {
          const user = { id: member.name === 'hal' ? 'bob' : 'alice' };
          created.set(member.name, await members().create({ ...member, email: `${member.name}@example.com`, nickname: `${member.name}-nick` }, { user }));
        }
      });

      /** Names of the matches of `query` in the order returned (one page of up to 100). */
      const names = async (query: QueryInput) => (await members().list({ limit: 100, ...query })).items.map((item) => item.name);
      /** Names matching `where`, in creation order. */
      const matching = (where: unknown) => names({ where });

      it('default order is creation order', async () => {
        assert.deepEqual(await names({}), ALL);
        assert.deepEqual(await names({ sort: '_meta.createdAt' }), ALL);
        const page = await members().list();
        assert.equal(page.nextCursor, null);
        assert.equal(page.total, undefined);
      });

      it('integer field: eq ne gt gte lt lte', async () => {
        assert.deepEqual(await matching({ age: 30 }), ['cyd']);
        assert.deepEqual(await matching({ age: { eq: 30 } }), ['cyd']);
        assert.deepEqual(await matching({ age: { ne: 25 } }), ['ada', 'cyd', 'eve']);
        assert.deepEqual(await matching({ age: { gt: 30 } }), ['ada', 'eve']);
        assert.deepEqual(await matching({ age: { gte: 30 } }), ['ada', 'cyd', 'eve']);
        assert.deepEqual(await matching({ age: { lt: 30 } }), ['bob', 'fay']);
        assert.deepEqual(await matching({ age: { lte: 30 } }), ['bob', 'cyd', 'fay']);
        assert.deepEqual(await matching({ age: { gte: 25, lt: 36 } }), ['bob', 'cyd', 'fay']);
      });

      it('integer field: in nin exists isNull', async () => {
        assert.deepEqual(await matching({ age: { in: [25, 41] } }), ['bob', 'eve', 'fay']);
        assert.deepEqual(await matching({ age: { in: [] } }), []);
        assert.deepEqual(await matching({ age: { nin: [25, 41] } }), ['ada', 'cyd']);
        assert.deepEqual(await matching({ age: { exists: true } }), ['ada', 'bob', 'cyd', 'eve', 'fay']);
        assert.deepEqual(await matching({ age: { exists: false } }), ['dee', 'hal']);
        assert.deepEqual(await matching({ age: { isNull: true } }), ['dee', 'hal']);
        assert.deepEqual(await matching({ age: { isNull: false } }), ['ada', 'bob', 'cyd', 'eve', 'fay']);
        assert.deepEqual(await matching({ age: null }), ['dee', 'hal']);
      });

      it('values are coerced by the field type; a value that does not fit is BAD_QUERY', async () => {
        assert.deepEqual(await matching({ age: { gte: '36' } }), ['ada', 'eve']);
        assert.deepEqual(await matching({ age: { in: '25,30' } }), ['bob', 'cyd', 'fay']);
        await expectStrataError(members().list({ where: { age: { gt: 'old' } } }), 'BAD_QUERY');
        await expectStrataError(members().list({ where: { age: { contains: '3' } } }), 'BAD_QUERY');
        await expectStrataError(members().list({ where: { age: { between: [1, 2] } } }), 'BAD_QUERY');
      });

      it('string field: eq ne gt gte lt lte in nin', async () => {
        assert.deepEqual(await matching({ name: 'bob' }), ['bob']);
        assert.deepEqual(await matching({ name: { ne: 'bob' } }), ALL.filter((name) => name !== 'bob'));
        assert.deepEqual(await matching({ name: { gt: 'eve' } }), ['fay', 'hal']);
        assert.deepEqual(await matching({ name: { gte: 'eve' } }), ['eve', 'fay', 'hal']);
        assert.deepEqual(await matching({ name: { lt: 'bob' } }), ['ada']);
        assert.deepEqual(await matching({ name: { lte: 'bob' } }), ['ada', 'bob']);
        assert.deepEqual(await matching({ name: { in: ['ada', 'eve', 'zed'] } }), ['ada', 'eve']);
        assert.deepEqual(await matching({ name: { nin: ['ada', 'eve'] } }), ['bob', 'cyd', 'dee', 'fay', 'hal']);
      });

      it('string field: contains startsWith endsWith (case-sensitive) exists isNull', async () => {
        assert.deepEqual(await matching({ name: { contains: 'y' } }), ['cyd', 'fay']);
        assert.deepEqual(await matching({ name: { contains: 'Y' } }), []);
        assert.deepEqual(await matching({ name: { startsWith: 'e' } }), ['eve']);
        assert.deepEqual(await matching({ name: { endsWith: 'e' } }), ['dee', 'eve']);
        assert.deepEqual(await matching({ email: { endsWith: '@example.com' } }), ALL);
        assert.deepEqual(await matching({ email: { contains: '%' } }), [], 'LIKE wildcards are matched literally');
        assert.deepEqual(await matching({ email: { contains: '_' } }), []);
        assert.deepEqual(await matching({ email: { startsWith: '*' } }), [], 'GLOB wildcards are matched literally');
        assert.deepEqual(await matching({ name: { exists: true } }), ALL);
        assert.deepEqual(await matching({ name: { isNull: true } }), []);
        assert.deepEqual(await matching({ bio: { exists: false } }), ['cyd', 'fay', 'hal']);
      });

      it('id and _meta fields can be filtered', async () => {
        const ada = created.get('ada')!;
        const eve = created.get('eve')!;
        assert.deepEqual(await matching({ id: ada.id }), ['ada']);
        assert.deepEqual(await matching({ id: { in: [ada.id, eve.id] } }), ['ada', 'eve']);
        assert.deepEqual(await matching({ '_meta.createdBy': 'bob' }), ['hal']);
        assert.deepEqual(await matching({ '_meta.status': 'stable' }), ALL);
        assert.deepEqual(await matching({ '_meta.createdAt': { gte: ada._meta.createdAt } }), ALL);
        assert.deepEqual(await matching({ '_meta.createdAt': { lt: ada._meta.createdAt } }), []);
      });

      it('and, or and not combine conditions', async () => {
        assert.deepEqual(await matching({ or: [{ age: { lt: 26 } }, { name: 'eve' }] }), ['bob', 'eve', 'fay']);
        assert.deepEqual(await matching({ and: [{ age: { gte: 25 } }, { age: { lte: 30 } }] }), ['bob', 'cyd', 'fay']);
        assert.deepEqual(await matching({ age: { gte: 25 }, not: { name: 'bob' } }), ['ada', 'cyd', 'eve', 'fay']);
        assert.deepEqual(await matching({ not: { or: [{ name: 'ada' }, { name: 'bob' }] } }), ['cyd', 'dee', 'eve', 'fay', 'hal']);
        assert.deepEqual(await matching({ or: [{ and: [{ age: { gt: 30 } }, { bio: { exists: true } }] }, { name: 'hal' }] }), ['ada', 'eve', 'hal']);
        assert.deepEqual(await matching({ or: [] }), []);
        assert.deepEqual(await matching({ and: [] }), ALL);
        assert.deepEqual(await names({ filter: '{"age":{"gte":36}}' }), ['ada', 'eve']);
      });

      it('three-valued logic: a missing value matches neither a test nor its negation', async () => {
        assert.deepEqual(await matching({ not: { age: { gt: 30 } } }), ['bob', 'cyd', 'fay']);
        assert.deepEqual(await matching({ age: { ne: 30 } }), ['ada', 'bob', 'eve', 'fay']);
        assert.deepEqual(await matching({ not: { age: 30 } }), ['ada', 'bob', 'eve', 'fay']);
        assert.deepEqual(await matching({ not: { bio: { contains: 'o' } } }), []);
      });

      it('sorts by several fields, - for descending, id last', async () => {
        const withAge = { age: { exists: true } };
        assert.deepEqual(await names({ where: withAge, sort: '-age,name' }), ['eve', 'ada', 'cyd', 'bob', 'fay']);
        assert.deepEqual(await names({ where: withAge, sort: ['-age', '-name'] }), ['eve', 'ada', 'cyd', 'fay', 'bob']);
        assert.deepEqual(await names({ where: withAge, sort: 'age,name' }), ['bob', 'fay', 'cyd', 'ada', 'eve']);
        assert.deepEqual(await names({ sort: '-name' }), [...ALL].reverse());
        const byId = [...created.values()].map((member) => member.id).sort();
        assert.deepEqual((await members().list({ sort: 'id', limit: 100 })).items.map((item) => item.id), byId);
        await expectStrataError(members().list({ sort: 'nickname' }), 'BAD_QUERY');
      });

      it('offset and limit page through the results; total counts every match', async () => {
        assert.deepEqual(await names({ limit: 2, offset: 2 }), ['cyd', 'dee']);
        const page = await members().list({ where: { age: { gte: 30 } }, limit: 1, total: true });
        assert.equal(page.items.length, 1);
        assert.equal(page.total, 3);
        assert.notEqual(page.nextCursor, null);
        const empty = await members().list({ where: { name: 'zed' }, total: true });
        assert.deepEqual(empty.items, []);
        assert.equal(empty.total, 0);
        assert.equal(empty.nextCursor, null);
      });

      it('fields returns only the named fields plus id and _meta', async () => {
        const [ada] = (await members().list({ where: { name: 'ada' }, fields: 'name,age' })).items;
        assert.deepEqual(Object.keys(ada).sort(), ['_meta', 'age', 'id', 'name']);
        assert.equal(ada._meta.revision, 1);
        const [bob] = (await members().list({ where: { name: 'bob' }, fields: ['bio', 'id', '_meta'] })).items;
        assert.deepEqual(Object.keys(bob).sort(), ['_meta', 'bio', 'id']);
        await expectStrataError(members().list({ fields: 'name,password' }), 'BAD_QUERY');
      });

      it('q searches the full-text fields', async () => {
        assert.deepEqual(await names({ q: 'fox' }), ['bob']);
        assert.deepEqual(await names({ q: 'lazy' }), ['dee']);
        assert.deepEqual(await names({ q: 'brown fox' }), ['bob']);
        assert.deepEqual(await names({ q: 'zebra' }), []);
        assert.deepEqual(await names({ q: 'analytical', where: { age: { gt: 40 } } }), []);
        assert.deepEqual(await names({ q: 'analytical', where: { age: { gt: 30 } } }), ['ada']);
        assert.equal(await members().count({ q: 'the' }), 2);
        await expectStrataError(tickets().list({ q: 'anything' }), 'BAD_QUERY');
      });

      it('q with query-syntax characters never fails with a database error', async () => {
        for (const q of ['fox"', '"fox', 'fox AND', 'NOT fox', 'fox*', '(fox', 'fox:bar', 'fox & !brown', 'o\'reilly', '-fox', 'fox OR']) {
          try {
            await members().list({ q });
          } catch (error) {
            assert.ok(isStrataError(error) && error.code === 'BAD_QUERY', `q=${q}: ${String(error)}`);
          }
        }
      });

      it('filtering or sorting on a field that is not indexed is BAD_QUERY listing the allowed fields', async () => {
        const error = await expectStrataError(members().list({ where: { nickname: 'ada-nick' } }), 'BAD_QUERY');
        assert.match(error.message, /age/);
        assert.match(error.message, /_meta\.createdAt/);
        await expectStrataError(members().list({ where: { 'data.nickname': 'x' } }), 'BAD_QUERY');
        await expectStrataError(members().count({ where: { nickname: 'ada-nick' } }), 'BAD_QUERY');
      });

      it('a limit above the maximum is BAD_QUERY', async () => {
        await expectStrataError(members().list({ limit: 1001 }), 'BAD_QUERY');
        await expectStrataError(members().list({ limit: -1 }), 'BAD_QUERY');
        assert.equal((await members().list({ limit: 1000 })).items.length, ALL.length);
      });

      it('count counts the matches', async () => {
        assert.equal(await members().count(), ALL.length);
        assert.equal(await members().count({ where: { age: { gte: 30 } } }), 3);
        assert.equal(await members().count({ where: { age: { exists: false } } }), 2);
      });

      it('a cursor pages through every row exactly once', async () => {
        for (const query of [{}, { sort: '-age,name' }, { sort: 'name', where: { age: { exists: true } } }] as QueryInput[]) {
          const expected = await names(query);
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 10; pages++) {
            const page = await members().list({ ...query, limit: 2, cursor });
            seen.push(...page.items.map((item) => item.name as string));
            if (page.nextCursor === null) break;
            cursor = page.nextCursor;
          }
          assert.deepEqual(seen, expected, JSON.stringify(query));
        }
      });

      it('a cursor made for another query is BAD_QUERY', async () => {
        const page = await members().list({ limit: 2, sort: 'name' });
        assert.ok(page.nextCursor);
        await expectStrataError(members().list({ limit: 2, sort: '-name', cursor: page.nextCursor }), 'BAD_QUERY');
        await expectStrataError(members().list({ limit: 2, cursor: 'garbage' }), 'BAD_QUERY');
      });

      it('cursor paging is stable while rows are inserted between pages', async () => {
        const queue = 'stream';
        const initial: string[] = [];
        for (let seq = 1; seq <= 10; seq++) initial.push((await tickets().create({ queue, seq })).id);
        const seen: string[] = [];
        let cursor: string | undefined;
        let inserted = 0;
        for (let pages = 0; pages < 20; pages++) {
          const page = await tickets().list({ where: { queue }, limit: 3, cursor });
          seen.push(...page.items.map((item) => item.id));
          // New rows sort after everything present at the start (default order is creation order).
          if (pages < 4) for (let extra = 0; extra < 2; extra++) await tickets().create({ queue, seq: 100 + inserted++ });
          if (page.nextCursor === null) break;
          cursor = page.nextCursor;
        }
        assert.equal(new Set(seen).size, seen.length, 'no row is returned twice');
        for (const id of initial) assert.equal(seen.filter((candidate) => candidate === id).length, 1, `row ${id} is seen exactly once`);
        assert.deepEqual(seen.filter((id) => initial.includes(id)), initial, 'in creation order');
        assert.equal(seen.length, initial.length + inserted, 'rows inserted after the cursor are seen too');
      });

      it('rows inserted before the cursor position are skipped, nothing else is', async () => {
        const queue = 'descending';
        const initial: string[] = [];
        for (let seq = 1; seq <= 9; seq++) initial.push((await tickets().create({ queue, seq })).id);
        const seen: number[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const page = await tickets().list({ where: { queue }, sort: '-seq', limit: 2, cursor });
          seen.push(...page.items.map((item) => item.seq as number));
          // A higher seq sorts before every row read so far.
          await tickets().create({ queue, seq: 1000 + pages });
          if (page.nextCursor === null) break;
          cursor = page.nextCursor;
        }
        assert.deepEqual(seen, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
      });

      it('deleted: include shows soft-deleted resources, only shows nothing else', async () => {
        const queue = 'deleted';
        const kept = await tickets().create({ queue, seq: 1 });
        const removed = await tickets().create({ queue, seq: 2 });
        await tickets().delete(removed.id);
        const ids = async (query: QueryInput) => (await tickets().list({ where: { queue }, ...query })).items.map((item) => [item.id, item._meta.deleted]);
        assert.deepEqual(await ids({}), [[kept.id, false]]);
        assert.deepEqual(await ids({ deleted: 'exclude' }), [[kept.id, false]]);
        assert.deepEqual(await ids({ deleted: 'include' }), [[kept.id, false], [removed.id, true]]);
        assert.deepEqual(await ids({ deleted: 'only' }), [[removed.id, true]]);
        assert.equal(await tickets().count({ where: { queue }, deleted: 'only' }), 1);
        assert.equal(await tickets().count({ where: { queue }, deleted: 'include' }), 2);
        await expectStrataError(tickets().list({ deleted: 'all' }), 'BAD_QUERY');
      });

      it('search sees the current revision after updates, switches and restores', async () => {
        const queue = 'current';
        const ticket = await tickets().create({ queue, seq: 1 });
        await tickets().update(ticket.id, { queue, seq: 2 });
        assert.deepEqual((await tickets().list({ where: { queue, seq: 2 } })).items.map((item) => item.id), [ticket.id]);
        assert.equal(await tickets().count({ where: { queue, seq: 1 } }), 0);
        await tickets().switch(ticket.id, 1);
        assert.equal(await tickets().count({ where: { queue, seq: 1 } }), 1);
        assert.equal(await tickets().count({ where: { queue, seq: 2 } }), 0);
        await tickets().delete(ticket.id);
        await tickets().restore(ticket.id);
        assert.equal(await tickets().count({ where: { queue, seq: 1 } }), 1);
      });

      it('q finds the current text after an update', async () => {
        const member = await members().create({ name: 'ivy', email: 'ivy@example.com', bio: 'enjoys gardening' });
        assert.deepEqual(await names({ q: 'gardening' }), ['ivy']);
        await members().patch(member.id, { bio: 'enjoys sailing' });
        assert.deepEqual(await names({ q: 'gardening' }), []);
        assert.deepEqual(await names({ q: 'sailing' }), ['ivy']);
        await members().delete(member.id);
        assert.deepEqual(await names({ q: 'sailing' }), []);
        await members().purge(member.id);
        assert.deepEqual(await names({ q: 'sailing', deleted: 'include' }), []);
      });
    });
  }
});

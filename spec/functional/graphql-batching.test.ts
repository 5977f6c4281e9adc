import 'reflect-metadata';
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsOptional, Length } from 'class-validator';
import { Indexed, Resource, Versioned, type HookContext } from '../../index.js';
import { countQueries } from '../support/queries.js';
import { BACKENDS } from '../support/backends.js';
import { uniqueEmail, useConformanceApp } from '../support/conformance.js';
import { startApp, type TestApp } from '../support/http.js';
import { expectData, graphql } from '../support/graphql.js';

/**
 * Nested reads cost a bounded number of queries: `ResourceManager.revisionsOfMany` (the batch
 * behind the `revisions` field) on every backend, and the queries a GraphQL list of 100 resources
 * with `_meta` and their first revisions page makes, counted at the database.
 */
@Resource()
@Versioned({ drafts: true })
class Ledger {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @IsOptional() @Length(0, 2000) note?: string;
}

describe('ResourceManager.revisionsOfMany', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const seen: HookContext[] = [];
      const app = useConformanceApp(backend, {
        resources: [Ledger],
        plugins: [{
          name: 'revisions-spy',
          configure({ hooks }) {
            hooks.around('revisions', async (context, next) => {
              seen.push(context);
              if (context.input.id === 'refused-by-hook') throw new Error('refused');
              return next();
            });
          },
        }],
      });
      const ledgers = () => app.strata.manager(Ledger);
      afterEach(() => { seen.length = 0; });

      async function ledger(revisions: number): Promise<string> {
        const { id } = await ledgers().create({ name: 'L', email: uniqueEmail('ledger') });
        for (let n = 2; n <= revisions; n++) await ledgers().patch(id, { note: `revision ${n}` });
        return id;
      }

      it('answers, in order and for repeated ids too, what revisions(id) answers for each id', async () => {
        const [one, three, five] = [await ledger(1), await ledger(3), await ledger(5)];
        const ids = [five, one, three, five];
        const settled = await ledgers().revisionsOfMany(ids, { limit: 2 });
        assert.equal(settled.length, 4);
        for (const [index, id] of ids.entries()) {
          assert.deepEqual(settled[index], { status: 'fulfilled', value: await ledgers().revisions(id, { limit: 2 }) });
        }
        const next = await ledgers().revisionsOfMany([five, three], { limit: 2, cursor: (settled[0] as PromiseFulfilledResult<{ nextCursor: string }>).value.nextCursor });
        assert.deepEqual(next.map((entry) => entry.status === 'fulfilled' && entry.value.items.map((item) => item.revision)), [[3, 4], [3]]);
      });

      it('rejects the ids revisions(id) would reject: NOT_FOUND, GONE, and BAD_QUERY for a bad limit or cursor', async () => {
        const live = await ledger(1);
        const deleted = await ledger(2);
        await ledgers().delete(deleted);
        const settled = await ledgers().revisionsOfMany([live, 'no-such-id', deleted, 'nul\u0000id']);
        assert.deepEqual(settled.map((entry) => entry.status === 'fulfilled' ? 'ok' : (entry.reason as { code: string }).code), ['ok', 'NOT_FOUND', 'GONE', 'NOT_FOUND']);
        for (const options of [{ limit: 0 }, { cursor: 'not-a-cursor' }]) {
          const refused = await ledgers().revisionsOfMany([live, live], options);
          assert.deepEqual(refused.map((entry) => entry.status === 'rejected' && (entry.reason as { code: string }).code), ['BAD_QUERY', 'BAD_QUERY']);
        }
        assert.deepEqual(await ledgers().revisionsOfMany([]), []);
      });

      it('runs the revisions hooks once per id, with the input revisions(id) gives them; a hook refusing one id fails only that one', async () => {
        const id = await ledger(2);
        const settled = await ledgers().revisionsOfMany([id, 'refused-by-hook'], { limit: 5, user: { id: 'ada' } });
        assert.deepEqual(seen.map((context) => [context.operation, context.input.id, context.input.limit, context.user?.id]), [
          ['revisions', id, 5, 'ada'], ['revisions', 'refused-by-hook', 5, 'ada'],
        ]);
        assert.equal(settled[0].status, 'fulfilled');
        assert.equal(settled[1].status, 'rejected');
        assert.equal((settled[1] as PromiseRejectedResult).reason.message, 'refused');
      });

      it('reads the database twice however many ids, also above the 500 ids bound per statement', async () => {
        const ids = (await ledgers().createMany(Array.from({ length: 510 }, () => ({ name: 'Bulk', email: uniqueEmail('bulk') })))).map((created) => created.id);
        const few = await countQueries(() => ledgers().revisionsOfMany(ids.slice(0, 3)));
        const many = await countQueries(() => ledgers().revisionsOfMany(ids));
        assert.equal(few.queries.length, 2, few.queries.join('\n'));
        assert.equal(many.queries.length, 4, 'two statements per 500 ids');
        assert.ok(many.result.every((entry) => entry.status === 'fulfilled' && entry.value.items.length === 1));
      });
    });
  }
});

describe('GraphQL: nested reads make a bounded number of queries', () => {
  let app: TestApp;
  let ids: string[];
  before(async () => {
    app = await startApp([Ledger]);
    const ledgers = app.strata.manager(Ledger);
    ids = (await ledgers.createMany(Array.from({ length: 100 }, (_, index) => ({ name: `Ledger ${index}`, email: uniqueEmail('page') })))).map((created) => created.id);
    for (const id of ids.slice(0, 30)) await ledgers.patch(id, { note: 'second revision' });
  });
  after(async () => { await app.close(); });

  const LIST = `query List($limit: Int!) {
    ledgers(limit: $limit) {
      items { id name _meta { revision revisionCount etag status updatedAt } revisions { items { revision parent status createdAt } nextCursor } }
      nextCursor
    }
  }`;

  it('lists 100 resources with _meta and their first revisions page in three queries, as many as for 10', async () => {
    const hundred = await countQueries(() => graphql(app, LIST, { variables: { limit: 100 } }));
    const ten = await countQueries(() => graphql(app, LIST, { variables: { limit: 10 } }));
    const data = expectData(hundred.result);
    assert.equal(data.ledgers.items.length, 100);
    assert.equal(data.ledgers.items.filter((item: { revisions: { items: unknown[] } }) => item.revisions.items.length === 2).length, 30);
    assert.equal(expectData(ten.result).ledgers.items.length, 10);
    assert.equal(hundred.queries.length, 3, `one search, one read of the current states, one of the revisions:\n${hundred.queries.join('\n')}`);
    assert.equal(ten.queries.length, hundred.queries.length);
  });

  it('batches per page size: two revisions selections with different limits cost one batch each', async () => {
    const { result, queries } = await countQueries(() => graphql(app, `{
      ledgers(limit: 50) { items { first: revisions(limit: 1) { items { revision } } all: revisions { items { revision } } } }
    }`));
    const data = expectData(result);
    assert.ok(data.ledgers.items.every((item: { first: { items: unknown[] } }) => item.first.items.length === 1));
    assert.equal(queries.length, 1 + 2 * 2);
  });

  it('reads revisions afresh after each mutation of a request (the loaders batch, they do not cache)', async () => {
    const { id } = await app.strata.manager(Ledger).create({ name: 'Fresh', email: uniqueEmail('fresh') });
    const data = expectData(await graphql(app, `mutation($id: ID!) {
      first: patchLedger(id: $id, patch: { note: "two" }) { revisions { items { revision } } }
      second: patchLedger(id: $id, patch: { note: "three" }) { _meta { revision } revisions { items { revision } } }
    }`, { variables: { id } }));
    assert.deepEqual(data.first.revisions.items, [{ revision: 1 }, { revision: 2 }]);
    assert.deepEqual(data.second, { _meta: { revision: 3 }, revisions: { items: [{ revision: 1 }, { revision: 2 }, { revision: 3 }] } });
  });

  it('reads the revisions of one resource with the same batch', async () => {
    const { result, queries } = await countQueries(() => graphql(app, 'query One($id: ID!) { ledger(id: $id) { name revisions { items { revision } } } }', { variables: { id: ids[0] } }));
    assert.deepEqual(expectData(result).ledger.revisions.items, [{ revision: 1 }, { revision: 2 }]);
    assert.equal(queries.length, 3, queries.join('\n'));
  });
});

import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { IsInt, IsOptional, Length } from 'class-validator';
import { Indexed, Resource } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';
import { seededRandom } from '../support/random.js';

@Resource()
class Item {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed() @IsInt() qty!: number;
  @Indexed({ unique: true }) @IsOptional() @Length(1, 50) code?: string;
  @IsOptional() @Length(0, 200) note?: string;
}

const as = (user: string) => ({ 'x-user': user });
/** A moment strictly between the writes before and after it (timestamps have millisecond precision). */
async function moment(): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 3));
  const now = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 3));
  return now;
}
const fieldsOf = (resource: Record<string, unknown>) => Object.fromEntries(Object.entries(resource).filter(([key]) => key !== 'id' && key !== '_meta'));

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`history tools over HTTP: ${backend.name}`, () => {
    let app: TestApp;
    let database: { url: string; dispose(): Promise<void> };
    before(async () => {
      database = await backend.create();
      app = await startApp([Item], {
        database: database.url,
        currentUser: (request) => ({ id: (request as { header(name: string): string | undefined }).header('x-user') ?? 'anonymous' }),
      });
    });
    after(async () => {
      await app.close();
      await database.dispose();
    });

    /** Every stored row of items, their revisions and history: equal digests mean nothing was written. */
    async function digest(): Promise<string> {
      const manager = app.strata.manager(Item);
      const store = manager.store;
      const tables = await Promise.all([
        store.search(`SELECT * FROM "${manager.model.names.table}" ORDER BY "id"`, []),
        store.search(`SELECT * FROM "strata_revisions" WHERE "resource" = 'Item' ORDER BY "id", "n"`, []),
        store.search(`SELECT * FROM "strata_history" WHERE "resource" = 'Item' ORDER BY "id", "version"`, []),
      ]);
      return createHash('sha256').update(JSON.stringify(tables)).digest('hex');
    }

    async function create(data: Record<string, unknown>, user = 'alice') {
      const response = await app.request('POST', '/items', { body: data, headers: as(user) });
      assert.equal(response.status, 201, response.text);
      return response.body;
    }

    describe('?asOf= on get', () => {
      it('reads the resource as it was: 404 before it existed, 410 while deleted, each revision in its time', async () => {
        const before = await moment();
        const { id } = await create({ name: 'first', qty: 1 });
        const afterCreate = await moment();
        await app.request('PATCH', `/items/${id}`, { body: { qty: 2 }, headers: as('bob') });
        const afterPatch = await moment();
        await app.request('DELETE', `/items/${id}`, { headers: as('bob') });
        const whileDeleted = await moment();
        await app.request('POST', `/items/${id}/restore`, { headers: as('alice') });
        await app.request('PATCH', `/items/${id}`, { body: { name: 'third' }, headers: as('alice') });

        expectProblem(await app.request('GET', `/items/${id}?asOf=${before}`), 404, 'NOT_FOUND');
        const first = await app.request('GET', `/items/${id}?asOf=${afterCreate}`);
        assert.equal(first.status, 200);
        assert.deepEqual(fieldsOf(first.body), { name: 'first', qty: 1 });
        assert.equal(first.body._meta.revision, 1);
        assert.equal(first.headers.get('etag'), first.body._meta.etag);
        const second = await app.request('GET', `/items/${id}?asOf=${afterPatch}`);
        assert.deepEqual([second.body.qty, second.body._meta.revision, second.body._meta.updatedBy], [2, 2, 'bob']);
        expectProblem(await app.request('GET', `/items/${id}?asOf=${whileDeleted}`), 410, 'GONE');
        const now = await app.request('GET', `/items/${id}?asOf=${new Date(Date.now() + 60_000).toISOString()}`);
        assert.deepEqual(fieldsOf(now.body), { name: 'third', qty: 2 });
        expectProblem(await app.request('GET', `/items/${id}?asOf=yesterday`), 400, 'BAD_REQUEST');
        expectProblem(await app.request('GET', `/items/${id}?asOf=${afterPatch}&revision=1`), 400, 'BAD_REQUEST');
      });
    });

    describe('?asOf= on list and _search', () => {
      it('searches the state at that moment with the same where, sort, total and paging', async () => {
        const tag = `asof-${Date.now()}`;
        const a = await create({ name: `${tag}-a`, qty: 10 });
        const b = await create({ name: `${tag}-b`, qty: 20 });
        const at = await moment();
        await app.request('PATCH', `/items/${a.id}`, { body: { qty: 30 } });
        await app.request('DELETE', `/items/${b.id}`);
        await create({ name: `${tag}-c`, qty: 40 });

        const then = await app.request('GET', `/items?asOf=${at}&where[name][startsWith]=${tag}&sort=-qty&total=true`);
        assert.equal(then.status, 200, then.text);
        assert.deepEqual(then.body.items.map((item: { name: string; qty: number }) => [item.name, item.qty]), [[`${tag}-b`, 20], [`${tag}-a`, 10]]);
        assert.equal(then.body.total, 2);
        const filtered = await app.request('POST', '/items/_search', { body: { asOf: at, where: { name: { startsWith: tag }, qty: { gte: 15 } } } });
        assert.deepEqual(filtered.body.items.map((item: { name: string }) => item.name), [`${tag}-b`]);
        const page1 = await app.request('GET', `/items?asOf=${at}&where[name][startsWith]=${tag}&limit=1&sort=qty`);
        assert.equal(page1.body.items[0].qty, 10);
        const page2 = await app.request('GET', `/items?asOf=${at}&where[name][startsWith]=${tag}&limit=1&sort=qty&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
        assert.deepEqual(page2.body.items.map((item: { qty: number }) => item.qty), [20]);
        assert.equal(page2.body.nextCursor, null);
        const deleted = await app.request('GET', `/items?asOf=${new Date().toISOString()}&where[name][startsWith]=${tag}&deleted=only`);
        assert.deepEqual(deleted.body.items.map((item: { name: string }) => item.name), [`${tag}-b`]);
        expectProblem(await app.request('GET', '/items?asOf=not-a-date'), 400, 'BAD_QUERY');
      });
    });

    describe('POST /items/:id/revert/:n', () => {
      it('writes a new revision equal to revision n, honours If-Match and writes nothing when equal', async () => {
        const { id } = await create({ name: 'one', qty: 1 });
        const two = await app.request('PATCH', `/items/${id}`, { body: { name: 'two', note: 'x' } });
        expectProblem(await app.request('POST', `/items/${id}/revert/1`, { headers: { 'If-Match': '"stale"' } }), 412, 'PRECONDITION_FAILED');
        const reverted = await app.request('POST', `/items/${id}/revert/1`, { headers: { 'If-Match': two.body._meta.etag, ...as('carol') } });
        assert.equal(reverted.status, 200, reverted.text);
        assert.deepEqual(fieldsOf(reverted.body), { name: 'one', qty: 1 });
        assert.deepEqual([reverted.body._meta.revision, reverted.body._meta.updatedBy], [3, 'carol']);
        const again = await app.request('POST', `/items/${id}/revert/1`);
        assert.equal(again.body._meta.revision, 3);
        const revisions = await app.request('GET', `/items/${id}/revisions`);
        assert.deepEqual(revisions.body.items.map((entry: { parent: number | null }) => entry.parent), [null, 1, 2]);
        expectProblem(await app.request('POST', `/items/${id}/revert/9`), 404, 'NOT_FOUND');
      });
    });

    describe('PATCH and DELETE /items/_bulk', () => {
      it('changes every match in one transaction, one revision each, and answers count and ids', async () => {
        const tag = `bulk-${Date.now()}`;
        const made = [];
        for (let index = 0; index < 5; index++) made.push(await create({ name: `${tag}-${index}`, qty: index }));
        expectProblem(await app.request('PATCH', '/items/_bulk', { body: { patch: { qty: 0 } } }), 400, 'BAD_REQUEST');
        expectProblem(await app.request('DELETE', '/items/_bulk', { body: {} }), 400, 'BAD_REQUEST');
        const patched = await app.request('PATCH', '/items/_bulk', { body: { where: { name: { startsWith: tag }, qty: { gte: 2 } }, patch: { note: 'bulk' } }, headers: as('bob') });
        assert.equal(patched.status, 200, patched.text);
        assert.deepEqual(patched.body, { count: 3, ids: made.slice(2).map((item) => item.id) });
        const one = await app.request('GET', `/items/${made[3].id}`);
        assert.deepEqual([one.body.note, one.body._meta.revision, one.body._meta.updatedBy], ['bulk', 2, 'bob']);
        // One invalid resource fails the whole request: nothing is written.
        const before = await digest();
        const refused = await app.request('PATCH', '/items/_bulk', { body: { where: { name: { startsWith: tag } }, patch: { qty: 'many' } } });
        expectProblem(refused, 422, 'VALIDATION_FAILED');
        assert.equal(await digest(), before);
        const deleted = await app.request('DELETE', '/items/_bulk', { body: { where: { name: { startsWith: tag }, qty: { lt: 2 } } } });
        assert.deepEqual(deleted.body, { count: 2, ids: made.slice(0, 2).map((item) => item.id) });
        expectProblem(await app.request('GET', `/items/${made[0].id}`), 410, 'GONE');
      });
    });

    describe('GraphQL', () => {
      async function graphql(query: string, variables: Record<string, unknown> = {}) {
        // Straight to the endpoint: the OpenAPI check of app.request covers REST routes only.
        const response = await fetch(`${app.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...as('gina') }, body: JSON.stringify({ query, variables }) });
        const body = await response.json() as { data: any; errors?: unknown };
        assert.equal(response.status, 200, JSON.stringify(body));
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        return body.data;
      }

      it('offers asOf on item and items, revertItem, patchItems, deleteItems and revertItemsWindow', async () => {
        const tag = `graphql-${Date.now()}`;
        const { id } = await create({ name: `${tag}-1`, qty: 1 });
        const at = await moment();
        await app.request('PATCH', `/items/${id}`, { body: { qty: 2 } });
        const read = await graphql(`query($id: ID!, $at: DateTime) { item(id: $id, asOf: $at) { qty _meta { revision } }
          items(asOf: $at, where: { name: { startsWith: "${tag}" } }) { items { qty } } }`, { id, at });
        assert.deepEqual(read, { item: { qty: 1, _meta: { revision: 1 } }, items: { items: [{ qty: 1 }] } });
        const reverted = await graphql('mutation($id: ID!) { revertItem(id: $id, revision: 1) { qty _meta { revision updatedBy } } }', { id });
        assert.deepEqual(reverted.revertItem, { qty: 1, _meta: { revision: 3, updatedBy: 'gina' } });
        const patched = await graphql(`mutation { patchItems(where: { name: { startsWith: "${tag}" } }, patch: { note: "g" }) { count ids } }`);
        assert.deepEqual(patched.patchItems, { count: 1, ids: [id] });
        const plan = await graphql(`mutation($at: DateTime!) { revertItemsWindow(since: $at, by: "gina", dryRun: true) { plan { id from to action diff { op path } } } }`, { at });
        // Gina's revert and patch are undone; the anonymous qty: 2 made in the window is kept.
        assert.deepEqual(plan.revertItemsWindow.plan, [{ id, from: 4, to: 1, action: 'revert', diff: [{ op: 'remove', path: '/note' }, { op: 'replace', path: '/qty' }] }]);
        const deleted = await graphql(`mutation { deleteItems(where: { name: { startsWith: "${tag}" } }) { count ids } }`);
        assert.deepEqual(deleted.deleteItems, { count: 1, ids: [id] });
      });
    });

    describe('POST /items/_revert', () => {
      it('undoes one user\'s window of 200 random writes, keeping the other user\'s changes; dry run writes nothing', async () => {
        const random = seededRandom('STRATA_REVERT_SEED');
        const tag = `window-${Date.now()}`;
        type Known = { id: string; live: boolean; data: Record<string, unknown> };
        const known: Known[] = [];
        for (let index = 0; index < 20; index++) {
          const item = await create({ name: `${tag}-${index}`, qty: index });
          known.push({ id: item.id, live: true, data: fieldsOf(item) });
        }
        await app.request('DELETE', `/items/${known[0].id}`);
        known[0].live = false;
        const since = await moment();
        const baseline = new Map(known.map((item) => [item.id, { live: item.live, data: { ...item.data } }]));
        // What the revert must keep: per resource, bob's field values (in order) and his last create/delete/restore.
        const kept = new Map<string, { fields: Record<string, unknown>; live?: boolean; created?: boolean }>();
        const keep = (id: string) => kept.get(id) ?? kept.set(id, { fields: {} }).get(id)!;
        let counter = 0;
        for (let step = 0; step < 200; step++) {
          const user = random.next() < 0.5 ? 'alice' : 'bob';
          const choice = random.next();
          const live = known.filter((item) => item.live);
          const dead = known.filter((item) => !item.live);
          if (choice < 0.1 || live.length === 0) {
            const data = { name: `${tag}-new-${++counter}`, qty: 1000 + counter };
            const item = await create(data, user);
            known.push({ id: item.id, live: true, data });
            if (user === 'bob') Object.assign(keep(item.id), { fields: { ...data }, live: true, created: true });
          } else if (choice < 0.2) {
            const item = live[random.between(0, live.length - 1)];
            assert.equal((await app.request('DELETE', `/items/${item.id}`, { headers: as(user) })).status, 204);
            item.live = false;
            if (user === 'bob') keep(item.id).live = false;
          } else if (choice < 0.27 && dead.length > 0) {
            const item = dead[random.between(0, dead.length - 1)];
            assert.equal((await app.request('POST', `/items/${item.id}/restore`, { headers: as(user) })).status, 200);
            item.live = true;
            if (user === 'bob') keep(item.id).live = true;
          } else {
            const item = live[random.between(0, live.length - 1)];
            const field = ['name', 'qty', 'note'][random.between(0, 2)];
            const value = field === 'qty' ? 5000 + ++counter : `${tag}-${field}-${++counter}`;  // names keep the tag `where` matches
            const response = await app.request('PATCH', `/items/${item.id}`, { body: { [field]: value }, headers: as(user) });
            assert.equal(response.status, 200, `seed ${random.seed}: ${response.text}`);
            item.data[field] = value;
            if (user === 'bob') keep(item.id).fields[field] = value;
          }
        }
        const digestBefore = await digest();
        const dry = await app.request('POST', '/items/_revert', { body: { since, by: 'alice', dryRun: true, where: { name: { startsWith: tag } } }, headers: as('admin') });
        assert.equal(dry.status, 200, dry.text);
        assert.equal(await digest(), digestBefore, `seed ${random.seed}: a dry run wrote something`);
        assert.ok(dry.body.plan.length > 0);
        const real = await app.request('POST', '/items/_revert', { body: { since, by: 'alice', where: { name: { startsWith: tag } } }, headers: as('admin') });
        assert.equal(real.status, 200, real.text);
        assert.deepEqual(real.body.plan, dry.body.plan, `seed ${random.seed}: the plan differs between dry run and real run`);
        for (const item of known) {
          const start = baseline.get(item.id);
          const bob = kept.get(item.id);
          // A resource alice created in the window goes, whatever bob did to it afterwards.
          const live = start || bob?.created ? bob?.live ?? start?.live ?? false : false;
          const expected = { ...(start?.data ?? {}), ...(bob?.fields ?? {}) };
          const response = await app.request('GET', `/items/${item.id}`);
          if (!live) {
            assert.equal(response.status, 410, `seed ${random.seed}: ${item.id} should be deleted, got ${response.text}`);
            continue;
          }
          assert.equal(response.status, 200, `seed ${random.seed}: ${item.id} should be live: ${response.text}`);
          assert.deepEqual(fieldsOf(response.body), expected, `seed ${random.seed}: ${item.id}`);
        }
        // Undoing everything since then (both users) brings back the state at since exactly.
        const all = await app.request('POST', '/items/_revert', { body: { since, where: { name: { startsWith: tag } } } });
        assert.equal(all.status, 200, all.text);
        const now = await app.request('POST', '/items/_search', { body: { where: { name: { startsWith: tag } }, deleted: 'include', limit: 1000 } });
        for (const item of now.body.items as Record<string, any>[]) {
          const start = baseline.get(item.id);
          if (!start) assert.equal(item._meta.deleted, true, `${item.id} was created in the window`);
          else {
            assert.equal(item._meta.deleted, !start.live, `${item.id} deleted`);
            if (start.live) assert.deepEqual(fieldsOf(item), start.data, `${item.id} data`);
          }
        }
      });

      it('fails whole with UNIQUE_VIOLATION naming the ids when a reverted value is taken meanwhile', async () => {
        const tag = `unique-${Date.now()}`;
        const x = await create({ name: `${tag}-x`, qty: 1, code: `${tag}-a` });
        const since = await moment();
        await app.request('PATCH', `/items/${x.id}`, { body: { code: `${tag}-b` }, headers: as('alice') });
        const y = await create({ name: `${tag}-y`, qty: 2, code: `${tag}-a` }, 'bob');
        const digestBefore = await digest();
        const response = await app.request('POST', '/items/_revert', { body: { since, by: 'alice' } });
        const problem = expectProblem(response, 409, 'UNIQUE_VIOLATION');
        assert.match(problem.detail, new RegExp(`${x.id}.*${y.id}|${y.id}.*${x.id}`));
        assert.equal(await digest(), digestBefore);
      });

      it('refuses a body without since, with unknown members or a bad date', async () => {
        expectProblem(await app.request('POST', '/items/_revert', { body: {} }), 400, 'BAD_REQUEST');
        expectProblem(await app.request('POST', '/items/_revert', { body: { since: 'monday' } }), 400, 'BAD_REQUEST');
        expectProblem(await app.request('POST', '/items/_revert', { body: { since: new Date().toISOString(), user: 'x' } }), 400, 'BAD_REQUEST');
      });
    });
  });
}

import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { Indexed, Resource } from '../../index.js';
import { Contact } from '../support/fixtures.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';

/** A collection of its own for paging under concurrent inserts. */
@Resource()
class Entry {
  @Indexed() @Length(1, 100) name!: string;
}

type Item = { id: string; name: string; email: string; title: string; age?: number; bio?: string; _meta: Record<string, any> };
interface Page { items: Item[]; nextCursor: string | null; total?: number }

/** The contacts every search below runs over, in creation order (their names, titles and ages are what the assertions expect). */
const PEOPLE = [
  { name: 'Ada', email: 'ada@example.com', title: 'Analytical engine programmer', age: 36, bio: 'first programmer' },
  { name: 'Grace', email: 'grace@example.com', title: 'Compiler pioneer', age: 85 },
  { name: 'Alan', email: 'alan@example.com', title: 'Computing machinery and intelligence', age: 41 },
  { name: 'Barbara', email: 'barbara@example.com', title: 'Abstract data types', age: 17 },
  { name: 'Edsger', email: 'edsger@example.com', title: 'Structured programming', age: 72 },
  { name: 'Katherine', email: 'katherine@example.com', title: 'Orbital mechanics', age: 36 },
  { name: 'Linus', email: 'linus@example.com', title: 'Kernel hacker' },
];

describe('REST search', () => {
  let app: TestApp;
  const ids = new Map<string, string>();
  before(async () => {
    app = await startApp([Contact, Entry], { limits: { defaultLimit: 5, maxLimit: 50 } });
    for (const person of PEOPLE) {
      const response = await app.request('POST', '/contacts', { body: person });
      assert.equal(response.status, 201, response.text);
      ids.set(person.name, response.body.id);
    }
    const draft = await app.request('POST', '/contacts?draft=true', { body: { name: 'Draftie', email: 'draftie@example.com', title: 'Unpublished notes', age: 50 } });
    ids.set('Draftie', draft.body.id);
    const deleted = await app.request('POST', '/contacts', { body: { name: 'Gone', email: 'gone@example.com', title: 'Deleted programmer', age: 60 } });
    ids.set('Gone', deleted.body.id);
    assert.equal((await app.request('DELETE', `/contacts/${deleted.body.id}`)).status, 204);
  });
  after(async () => { await app.close(); });

  async function list(query: string): Promise<Page> {
    const response = await app.request('GET', `/contacts?${query}`);
    assert.equal(response.status, 200, `${query}: ${response.text}`);
    assert.match(response.contentType, /^application\/json/);
    return response.body;
  }
  const names = (page: Page) => page.items.map((item) => item.name);

  describe('GET /contacts', () => {
    it('lists in creation order with the default limit, a nextCursor and no total', async () => {
      const page = await list('');
      assert.deepEqual(names(page), ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger']);
      assert.equal(typeof page.nextCursor, 'string');
      assert.equal('total' in page, false);
      const rest = await list(`cursor=${page.nextCursor}`);
      assert.deepEqual(names(rest), ['Katherine', 'Linus', 'Draftie']);
      assert.equal(rest.nextCursor, null);
    });

    it('filters with where[field][op]= in qs syntax', async () => {
      assert.deepEqual(names(await list('where[age][gte]=41&sort=age')), ['Alan', 'Draftie', 'Edsger', 'Grace']);
      assert.deepEqual(names(await list('where[name]=Ada')), ['Ada']);
      assert.deepEqual(names(await list('where[name][eq]=Ada')), ['Ada']);
      assert.deepEqual(names(await list('where[age][gt]=17&where[age][lt]=41&sort=name')), ['Ada', 'Katherine']);
      assert.deepEqual(names(await list('where[age][in]=17,85&sort=name')), ['Barbara', 'Grace']);
      assert.deepEqual(names(await list('where[age][in][]=17&where[age][in][]=85&sort=name')), ['Barbara', 'Grace']);
      assert.deepEqual(names(await list('where[name][startsWith]=A&sort=name')), ['Ada', 'Alan']);
      assert.deepEqual(names(await list('where[email][endsWith]=ace@example.com')), ['Grace']);
      assert.deepEqual(names(await list('where[title][contains]=program&sort=name')), ['Ada', 'Edsger']);
      assert.deepEqual(names(await list('where[age][exists]=false')), ['Linus']);
      assert.deepEqual(names(await list('where[age][ne]=36&where[age][lte]=50&sort=name')), ['Alan', 'Barbara', 'Draftie']);
      assert.deepEqual(names(await list('where[or][0][name]=Ada&where[or][1][name]=Alan&sort=name')), ['Ada', 'Alan']);
      assert.deepEqual(names(await list('where[not][age][gte]=18&where[age][exists]=true')), ['Barbara']);
      assert.deepEqual(names(await list(`where[id]=${ids.get('Grace')}`)), ['Grace']);
      assert.deepEqual(names(await list('where[_meta.status]=draft')), ['Draftie']);
    });

    it('takes where as JSON in filter=', async () => {
      const filter = encodeURIComponent(JSON.stringify({ or: [{ age: { lt: 20 } }, { name: { in: ['Grace', 'Linus'] } }] }));
      assert.deepEqual(names(await list(`filter=${filter}&sort=name`)), ['Barbara', 'Grace', 'Linus']);
      expectProblem(await app.request('GET', `/contacts?filter=${encodeURIComponent('{"age":')}`), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', `/contacts?filter=${filter}&where[name]=Ada`), 400, 'BAD_QUERY');
    });

    it('sorts by several fields, - for descending, id as the final tiebreaker', async () => {
      assert.deepEqual(names(await list('sort=-age,name&where[age][exists]=true&limit=20')), ['Grace', 'Edsger', 'Draftie', 'Alan', 'Ada', 'Katherine', 'Barbara']);
      assert.deepEqual(names(await list('sort=age,-name&where[age][lte]=36')), ['Barbara', 'Katherine', 'Ada']);
      const byId = await list('sort=id&limit=20');
      const sortedIds = byId.items.map((item) => item.id);
      assert.deepEqual(sortedIds, [...sortedIds].sort());
      const tied = await list('sort=age&where[age]=36');
      assert.deepEqual(tied.items.map((item) => item.id), tied.items.map((item) => item.id).sort(), 'ties are ordered by id');
    });

    it('pages with limit and offset', async () => {
      const first = await list('sort=name&limit=3');
      const second = await list('sort=name&limit=3&offset=3');
      const third = await list('sort=name&limit=3&offset=6');
      assert.deepEqual([...names(first), ...names(second), ...names(third)], ['Ada', 'Alan', 'Barbara', 'Draftie', 'Edsger', 'Grace', 'Katherine', 'Linus']);
      assert.equal(third.nextCursor, null);
      assert.deepEqual(names(await list('sort=name&limit=3&offset=100')), []);
    });

    it('pages with cursor, bound to its query', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page = await list(`sort=-age,name&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.items.length <= 2);
        seen.push(...names(page));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ['Grace', 'Edsger', 'Draftie', 'Alan', 'Ada', 'Katherine', 'Barbara', 'Linus']);
      const page = await list('sort=-age&limit=2');
      const problem = expectProblem(await app.request('GET', `/contacts?sort=name&limit=2&cursor=${page.nextCursor}`), 400, 'BAD_QUERY');
      assert.match(problem.detail, /cursor/);
      expectProblem(await app.request('GET', '/contacts?cursor=not-a-cursor'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', `/contacts?sort=-age&limit=2&offset=2&cursor=${page.nextCursor}`), 400, 'BAD_QUERY');
    });

    it('searches the text fields with q', async () => {
      assert.deepEqual(names(await list('q=programming&sort=name')), ['Edsger']);
      assert.deepEqual(names(await list('q=compiler')), ['Grace']);
      assert.deepEqual(names(await list('q=machinery%20intelligence')), ['Alan']);
      assert.deepEqual(names(await list('q=programmer')), ['Ada'], 'a deleted resource is not found by q');
      assert.deepEqual(names(await list('q=nothingmatches')), []);
      assert.deepEqual(names(await list('q=programmer&deleted=include&sort=name')), ['Ada', 'Gone']);
    });

    it('returns only the named fields (plus id and _meta) with fields=', async () => {
      const page = await list('fields=name,age&where[name]=Ada');
      assert.deepEqual(Object.keys(page.items[0]).sort(), ['_meta', 'age', 'id', 'name']);
      assert.equal(page.items[0]._meta.revision, 1);
      const withMeta = await list('fields=id,_meta,email&where[name]=Ada');
      assert.deepEqual(Object.keys(withMeta.items[0]).sort(), ['_meta', 'email', 'id']);
      expectProblem(await app.request('GET', '/contacts?fields=name,shoeSize'), 400, 'BAD_QUERY');
    });

    it('shows soft-deleted resources with deleted=include|only', async () => {
      assert.equal(names(await list('limit=50')).includes('Gone'), false);
      const included = await list('deleted=include&limit=50');
      assert.ok(names(included).includes('Gone'));
      assert.equal(included.items.length, PEOPLE.length + 2);
      const only = await list('deleted=only');
      assert.deepEqual(names(only), ['Gone']);
      assert.equal(only.items[0]._meta.deleted, true);
      assert.deepEqual(names(await list('deleted=exclude&where[name]=Gone')), []);
      expectProblem(await app.request('GET', '/contacts?deleted=maybe'), 400, 'BAD_QUERY');
    });

    it('counts every match with total=true', async () => {
      const page = await list('where[age][gte]=36&limit=2&total=true');
      assert.equal(page.items.length, 2);
      assert.equal(page.total, 6);
      assert.equal((await list('total=true&deleted=only')).total, 1);
      assert.equal((await list('total=false')).total, undefined);
    });

    it('returns an empty page, not an error, when nothing matches', async () => {
      assert.deepEqual(await list('where[name]=Nobody'), { items: [], nextCursor: null });
    });
  });

  describe('POST /contacts/_search', () => {
    it('takes the same query as a JSON body', async () => {
      const response = await app.request('POST', '/contacts/_search', {
        body: { where: { age: { gte: 36 }, or: [{ name: { startsWith: 'A' } }, { title: { contains: 'mechanics' } }] }, sort: ['-age', 'name'], limit: 2, total: true },
      });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(names(response.body), ['Alan', 'Ada']);
      assert.equal(response.body.total, 3);
      const next = await app.request('POST', '/contacts/_search', {
        body: { where: { age: { gte: 36 }, or: [{ name: { startsWith: 'A' } }, { title: { contains: 'mechanics' } }] }, sort: ['-age', 'name'], limit: 2, cursor: response.body.nextCursor },
      });
      assert.deepEqual(names(next.body), ['Katherine']);
      assert.equal(next.body.nextCursor, null);
    });

    it('takes q, fields, offset and deleted', async () => {
      const response = await app.request('POST', '/contacts/_search', { body: { q: 'programmer', fields: ['name'], deleted: 'include', sort: 'name', offset: 1 } });
      assert.deepEqual(response.body.items.map((item: Item) => Object.keys(item).sort()), [['_meta', 'id', 'name']]);
      assert.deepEqual(names(response.body), ['Gone']);
    });

    it('agrees with GET for the same query', async () => {
      const body = await app.request('POST', '/contacts/_search', { body: { where: { age: { lte: 41 } }, sort: '-name', total: true } });
      const query = await list('where[age][lte]=41&sort=-name&total=true');
      assert.deepEqual(body.body, query);
    });

    it('refuses a bad query body with 400 BAD_QUERY and malformed JSON with 400', async () => {
      expectProblem(await app.request('POST', '/contacts/_search', { body: { where: { age: { gte: 'old' } } } }), 400, 'BAD_QUERY');
      expectProblem(await app.request('POST', '/contacts/_search', { body: { colour: 'red' } }), 400, 'BAD_QUERY');
      expectProblem(await app.request('POST', '/contacts/_search', { body: { limit: 51 } }), 400, 'BAD_QUERY');
      expectProblem(await app.request('POST', '/contacts/_search', { rawBody: '{"where":', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST');
    });
  });

  describe('GET /contacts/_count', () => {
    it('counts the resources matching where, filter, q and deleted', async () => {
      const count = async (query: string) => {
        const response = await app.request('GET', `/contacts/_count${query ? `?${query}` : ''}`);
        assert.equal(response.status, 200, response.text);
        assert.deepEqual(Object.keys(response.body), ['count']);
        return response.body.count;
      };
      assert.equal(await count(''), PEOPLE.length + 1);
      assert.equal(await count('where[age][gte]=36'), 6);
      assert.equal(await count(`filter=${encodeURIComponent('{"name":{"startsWith":"A"}}')}`), 2);
      assert.equal(await count('q=programming'), 1);
      assert.equal(await count('deleted=only'), 1);
      assert.equal(await count('deleted=include'), PEOPLE.length + 2);
    });

    it('refuses paging parameters and bad filters with 400 BAD_QUERY', async () => {
      expectProblem(await app.request('GET', '/contacts/_count?limit=5'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/contacts/_count?where[bio]=x'), 400, 'BAD_QUERY');
    });
  });

  describe('bad queries', () => {
    it('a limit above the maximum is 400 BAD_QUERY', async () => {
      const problem = expectProblem(await app.request('GET', '/contacts?limit=51'), 400, 'BAD_QUERY');
      assert.match(problem.detail, /50/);
      assert.equal((await list('limit=50')).items.length, PEOPLE.length + 1);
      expectProblem(await app.request('GET', '/contacts?limit=-1'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/contacts?limit=ten'), 400, 'BAD_QUERY');
    });

    it('sorting on a field that is not indexed is 400 BAD_QUERY listing the allowed fields', async () => {
      const problem = expectProblem(await app.request('GET', '/contacts?sort=bio'), 400, 'BAD_QUERY');
      for (const allowed of ['id', 'name', 'email', 'title', 'age', '_meta.createdAt', '_meta.updatedAt', '_meta.createdBy', '_meta.updatedBy', '_meta.status']) {
        assert.ok(problem.detail.includes(allowed), `${allowed} missing from: ${problem.detail}`);
      }
      assert.ok(problem.errors?.some((error) => error.path === 'sort'));
    });

    it('filtering on a field that is not indexed is 400 BAD_QUERY listing the allowed fields, never an empty result', async () => {
      for (const query of ['where[bio]=first%20programmer', `filter=${encodeURIComponent('{"bio":"x"}')}`, 'where[_meta.revision]=1', 'where[nickname]=x']) {
        const problem = expectProblem(await app.request('GET', `/contacts?${query}`), 400, 'BAD_QUERY');
        for (const allowed of ['id', 'name', 'email', 'title', 'age', '_meta.createdAt', '_meta.status']) {
          assert.ok(problem.detail.includes(allowed), `${query}: ${allowed} missing from: ${problem.detail}`);
        }
      }
    });

    it('a value that does not fit the field, an unknown operator or an unknown parameter is 400 BAD_QUERY', async () => {
      expectProblem(await app.request('GET', '/contacts?where[age][gte]=old'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/contacts?where[age][like]=3'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/contacts?where[age][contains]=3'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/contacts?page=2'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/contacts?total=perhaps'), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/contacts?sort=name,name'), 400, 'BAD_QUERY');
    });

    it('a polluting query string changes nothing', async () => {
      const response = await app.request('GET', '/contacts?__proto__[polluted]=1&where[__proto__][polluted]=1&constructor[prototype][polluted]=1');
      assert.ok(response.status === 200 || response.status === 400, response.text);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  });

  describe('cursor paging under concurrent inserts', () => {
    it('returns every original row exactly once while another client inserts between pages', async () => {
      const originals = Array.from({ length: 30 }, (_, index) => `m${String(index).padStart(2, '0')}`);
      const bulk = await app.request('POST', '/entries/_bulk', { body: originals.map((name) => ({ name })) });
      assert.equal(bulk.status, 201, bulk.text);
      for (const sort of ['name', '-name', '_meta.createdAt', '-_meta.createdAt']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let inserted = 0;
        do {
          const page: Page = (await app.request('GET', `/entries?sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`)).body;
          seen.push(...names(page));
          cursor = page.nextCursor;
          // Another client writes rows that sort before, between and after the rows already read.
          if (inserted >= 6) continue;
          for (const name of [`a${sort}${inserted}`, `m${String(inserted).padStart(2, '0')}~${sort}`, `z${sort}${inserted}`]) {
            const response = await app.request('POST', '/entries', { body: { name } });
            assert.equal(response.status, 201);
          }
          inserted += 1;
        } while (cursor);
        const originalSeen = seen.filter((name) => originals.includes(name));
        assert.deepEqual([...originalSeen].sort(), originals, `${sort}: every original row exactly once`);
        assert.equal(new Set(seen).size, seen.length, `${sort}: no row twice`);
      }
    });
  });
});

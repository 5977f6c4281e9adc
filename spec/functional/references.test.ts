import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { IsInt, IsOptional, Length } from 'class-validator';
import { Allow, Indexed, permissionsPlugin, Ref, Resource, type CurrentUser } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { countQueries } from '../support/queries.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';
import { expectData, expectError, graphql } from '../support/graphql.js';

/**
 * References you can follow (docs/rest.md#references, docs/graphql.md#references): `expand` on
 * get, list and `_search`, `_referrers`, and the GraphQL relation and referrer fields, over HTTP
 * on SQLite and PostgreSQL, with the queries they cost counted at the database.
 */
@Resource()
class Team {
  @Indexed() @Length(1, 100) name!: string;
}

@Resource()
class Writer {
  @Indexed() @Length(1, 100) name!: string;
  @Ref(() => Team, { optional: true }) teamId?: string;
}

@Resource()
class Story {
  @Indexed() @Length(1, 200) title!: string;
  @Ref(() => Writer) writerId!: string;
  @Ref(() => Writer, { onDelete: 'setNull', optional: true }) editorId?: string;
  @IsOptional() @Length(0, 2000) body?: string;
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`references (${backend.name})`, () => {
    let app: TestApp;
    let database: { url: string; dispose(): Promise<void> };
    const ids = { red: '', ada: '', bob: '', stories: [] as string[] };
    before(async () => {
      database = await backend.create();
      app = await startApp([Team, Writer, Story], { database: database.url });
      const teams = app.strata.manager(Team);
      const writers = app.strata.manager(Writer);
      const stories = app.strata.manager(Story);
      ids.red = (await teams.create({ name: 'Red' })).id;
      ids.ada = (await writers.create({ name: 'Ada', teamId: ids.red })).id;
      ids.bob = (await writers.create({ name: 'Bob' })).id;
      for (let n = 0; n < 100; n++) {
        ids.stories.push((await stories.create({ title: `Story ${String(n).padStart(3, '0')}`, writerId: n % 2 === 0 ? ids.ada : ids.bob, ...(n === 0 ? { editorId: ids.bob } : {}) })).id);
      }
    });
    after(async () => {
      await app?.close();
      await database?.dispose();
    });

    it('expands a reference on a single read, nested to its own references, null where there is no value', async () => {
      const response = await app.request('GET', `/stories/${ids.stories[0]}?expand=writerId,writerId.teamId,editorId.teamId`);
      assert.equal(response.status, 200);
      const story = response.body;
      assert.equal(story._expanded.writerId.id, ids.ada);
      assert.equal(story._expanded.writerId.name, 'Ada');
      assert.equal(story._expanded.writerId._expanded.teamId.name, 'Red');
      assert.equal(story._expanded.editorId.name, 'Bob');
      assert.equal(story._expanded.editorId._expanded.teamId, null, 'Bob has no team');
      const plain = await app.request('GET', `/stories/${ids.stories[1]}?expand=editorId`);
      assert.deepEqual(plain.body._expanded, { editorId: null });
      assert.equal((await app.request('GET', `/stories/${ids.stories[1]}`)).body._expanded, undefined, 'nothing is expanded unless asked');
    });

    it('expands on list and _search, and keeps the reference when fields= leaves it out', async () => {
      const list = await app.request('GET', '/stories?limit=3&expand=writerId&fields=title');
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items.map((item: any) => [item.title, item.writerId, item._expanded.writerId.name]),
        [['Story 000', ids.ada, 'Ada'], ['Story 001', ids.bob, 'Bob'], ['Story 002', ids.ada, 'Ada']]);
      assert.equal(list.body.items[0].body, undefined);
      const search = await app.request('POST', '/stories/_search', { body: { where: { title: 'Story 001' }, expand: ['writerId', 'writerId.teamId'] } });
      assert.equal(search.status, 200);
      assert.equal(search.body.items[0]._expanded.writerId.name, 'Bob');
      assert.equal(search.body.items[0]._expanded.writerId._expanded.teamId, null);
    });

    it('refuses a path that is not a reference, or deeper than three segments, with 400 BAD_QUERY listing the @Ref fields', async () => {
      const notRef = await app.request('GET', '/stories?expand=title');
      expectProblem(notRef, 400, 'BAD_QUERY');
      assert.match(notRef.body.detail, /writerId, editorId/);
      const deep = await app.request('GET', `/stories/${ids.stories[0]}?expand=writerId.teamId.name`);
      expectProblem(deep, 400, 'BAD_QUERY');
      assert.match(deep.body.detail, /Team has no @Ref field/);
      expectProblem(await app.request('GET', '/stories?expand=writerId.teamId.x.y'), 400, 'BAD_QUERY');
      expectProblem(await app.request('POST', '/stories/_search', { body: { expand: [1] } }), 400, 'BAD_QUERY');
      expectProblem(await app.request('GET', '/stories/_count?expand=writerId'), 400, 'BAD_QUERY');
    });

    it('reads an old revision with its references in their current state; a deleted target expands to null', async () => {
      const stories = app.strata.manager(Story);
      const writers = app.strata.manager(Writer);
      const temp = await writers.create({ name: 'Temp' });
      const story = await stories.create({ title: 'Edited', writerId: ids.ada, editorId: temp.id });
      await stories.patch(story.id, { editorId: ids.bob });
      await writers.patch(temp.id, { name: 'Temp, renamed' });
      const old = await app.request('GET', `/stories/${story.id}?revision=1&expand=editorId`);
      assert.equal(old.body.editorId, temp.id);
      assert.equal(old.body._expanded.editorId.name, 'Temp, renamed', 'the target as it is now');
      await writers.delete(temp.id);
      const afterDelete = await app.request('GET', `/stories/${story.id}?revision=1&expand=editorId`);
      assert.equal(afterDelete.body._expanded.editorId, null);
      assert.equal(afterDelete.headers.get('etag'), old.headers.get('etag'));
      const notModified = await app.request('GET', `/stories/${story.id}?expand=editorId`, { headers: { 'If-None-Match': afterDelete.headers.get('etag')! } });
      assert.equal(notModified.status, 200, 'an expanded read is always sent: the ETag does not cover the targets');
    });

    it('lists 100 with expand in a fixed number of queries, whatever the page size', async () => {
      const measure = async (path: string) => {
        const { result, queries } = await countQueries(() => app.request('GET', path));
        assert.equal(result.status, 200, result.text);
        return { items: result.body.items, queries: queries.length };
      };
      const small = await measure('/stories?limit=5&expand=writerId,writerId.teamId,editorId');
      const large = await measure('/stories?limit=100&expand=writerId,writerId.teamId,editorId');
      const plain = await measure('/stories?limit=100');
      assert.equal(large.items.length, 100);
      assert.ok(large.items.every((item: any) => item._expanded.writerId?.id === item.writerId));
      assert.equal(large.queries, small.queries);
      // The page, the writers (writerId and editorId together), their teams.
      assert.equal(large.queries, plain.queries + 2);
    });

    it('_referrers counts and pages through what refers to a resource', async () => {
      const summary = await app.request('GET', `/writers/${ids.bob}/_referrers`);
      assert.equal(summary.status, 200);
      const byField = Object.fromEntries(summary.body.items.map((item: any) => [`${item.resource}.${item.field}`, item]));
      assert.equal(byField['stories.writerId'].count, 50);
      assert.deepEqual(byField['stories.writerId'].ids, [1, 3, 5, 7, 9].map((n) => ids.stories[n]));
      assert.ok(byField['stories.editorId'].count >= 1);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await app.request('GET', `/writers/${ids.bob}/_referrers?resource=stories&field=writerId&limit=20${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200, page.text);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ids.stories.filter((_id, n) => n % 2 === 1));
      assert.deepEqual((await app.request('GET', `/teams/${ids.red}/_referrers`)).body.items, [{ resource: 'writers', field: 'teamId', count: 1, ids: [ids.ada] }]);
      expectProblem(await app.request('GET', '/writers/nope/_referrers'), 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', `/writers/${ids.bob}/_referrers?resource=stories&field=title`), 400, 'BAD_QUERY');
    });

    it('GraphQL: story { writer { name } } and writer { stories { items { title } } } in a fixed number of queries', async () => {
      const stories = async (limit: number) => countQueries(() => graphql(app, `{ stories(limit: ${limit}) { items { title writer { name team { name } } editor { name } } } }`));
      const few = await stories(5);
      const many = await stories(100);
      const data = expectData(many.result) as any;
      assert.equal(data.stories.items.length, 100);
      assert.equal(data.stories.items[0].writer.name, 'Ada');
      assert.equal(data.stories.items[0].writer.team.name, 'Red');
      assert.equal(data.stories.items[0].editor.name, 'Bob');
      assert.equal(data.stories.items[1].editor, null);
      assert.equal(many.queries.length, few.queries.length);

      const writers = app.strata.manager(Writer);
      for (let n = 0; n < 18; n++) await writers.create({ name: `Extra ${n}` });
      const query = (limit: number) => countQueries(() => graphql(app, `{ writers(limit: ${limit}) { items { name storiesByWriterId(limit: 3, sort: [title_DESC]) { items { title } nextCursor } } } }`));
      const one = await query(1);
      const twenty = await query(20);
      const listed = (expectData(twenty.result) as any).writers.items;
      assert.equal(listed.length, 20);
      assert.deepEqual(listed[0].storiesByWriterId.items.map((item: any) => item.title), ['Story 098', 'Story 096', 'Story 094']);
      assert.ok(listed[0].storiesByWriterId.nextCursor);
      assert.deepEqual(listed[19].storiesByWriterId, { items: [], nextCursor: null });
      assert.equal(twenty.queries.length, one.queries.length);
    });

    it('GraphQL: the complexity limit counts reference fields and referrer pages', async () => {
      const tooCostly = await graphql(app, '{ writers(limit: 100) { items { name storiesByWriterId(limit: 100) { items { title } } } } }');
      const error = expectError(tooCostly, 'BAD_REQUEST', 400);
      assert.equal(error.extensions?.limit, 'maxComplexity');
      assert.equal(error.extensions?.actual, 10_201);
      const nested = await graphql(app, '{ stories(limit: 100) { items { writer { team { name } } } } }');
      expectData(nested);
    });
  });
}

/** Members see the desks and reports of everyone, but only the reporters of their own desk, without their salary. */
@Resource()
@Allow(['member', 'guest'], ['read', 'list'])
@Allow('admin', '*')
class Desk {
  @Indexed() @Length(1, 100) name!: string;
}

@Resource()
@Allow('member', ['read', 'list'], { where: (user) => (typeof user.deskId === 'string' ? { deskId: user.deskId } : false) })
@Allow('admin', '*')
class Reporter {
  @Indexed() @Length(1, 100) name!: string;
  @Ref(() => Desk) deskId!: string;
  @Allow('admin', 'read') @IsInt() salary!: number;
}

@Resource()
@Allow(['member', 'guest'], ['read', 'list'])
@Allow('admin', '*')
class Report {
  @Indexed() @Length(1, 200) title!: string;
  @Ref(() => Reporter) reporterId!: string;
}

const MEMBER: CurrentUser = { id: 'u-member', roles: ['member'], deskId: '' };
const GUEST: CurrentUser = { id: 'u-guest', roles: ['guest'] };

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`references with permissions (${backend.name})`, () => {
    let app: TestApp;
    let database: { url: string; dispose(): Promise<void> };
    const ids = { red: '', blue: '', redReporter: '', blueReporter: '', redReport: '', blueReport: '' };
    const as = (user: CurrentUser) => ({ 'X-Test-User': JSON.stringify(user) });
    before(async () => {
      database = await backend.create();
      app = await startApp([Desk, Reporter, Report], {
        database: database.url,
        currentUser: (request) => {
          const header = (request as Request).header('X-Test-User');
          return header ? JSON.parse(header) as CurrentUser : null;
        },
        plugins: [permissionsPlugin()],
      });
      ids.red = (await app.strata.manager(Desk).create({ name: 'Red' })).id;
      ids.blue = (await app.strata.manager(Desk).create({ name: 'Blue' })).id;
      ids.redReporter = (await app.strata.manager(Reporter).create({ name: 'Rita', deskId: ids.red, salary: 5000 })).id;
      ids.blueReporter = (await app.strata.manager(Reporter).create({ name: 'Bert', deskId: ids.blue, salary: 6000 })).id;
      ids.redReport = (await app.strata.manager(Report).create({ title: 'Red report', reporterId: ids.redReporter })).id;
      ids.blueReport = (await app.strata.manager(Report).create({ title: 'Blue report', reporterId: ids.blueReporter })).id;
      MEMBER.deskId = ids.red;
    });
    after(async () => {
      await app?.close();
      await database?.dispose();
    });

    it('REST: a target out of the caller\'s scope expands to null, a masked field of the target is absent', async () => {
      const list = await app.request('GET', '/reports?expand=reporterId,reporterId.deskId', { headers: as(MEMBER) });
      assert.equal(list.status, 200, list.text);
      const byTitle = Object.fromEntries(list.body.items.map((item: any) => [item.title, item]));
      assert.equal(byTitle['Red report']._expanded.reporterId.name, 'Rita');
      assert.equal(byTitle['Red report']._expanded.reporterId._expanded.deskId.name, 'Red');
      assert.ok(!('salary' in byTitle['Red report']._expanded.reporterId), 'salary is masked for members');
      assert.equal(byTitle['Blue report']._expanded.reporterId, null);
      assert.ok(!list.text.includes('5000') && !list.text.includes('Bert'));
      const one = await app.request('GET', `/reports/${ids.blueReport}?expand=reporterId`, { headers: as(MEMBER) });
      assert.equal(one.status, 200);
      assert.equal(one.body._expanded.reporterId, null);
      const admin = await app.request('GET', `/reports/${ids.blueReport}?expand=reporterId`, { headers: as({ id: 'u-admin', roles: ['admin'] }) });
      assert.equal(admin.body._expanded.reporterId.salary, 6000);
    });

    it('REST: a caller who may not list the target resource at all gets null, not an error', async () => {
      const list = await app.request('GET', '/reports?expand=reporterId', { headers: as(GUEST) });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.body.items.map((item: any) => item._expanded.reporterId), [null, null]);
      expectProblem(await app.request('GET', '/reports?expand=reporterId'), 401, 'UNAUTHORIZED');
    });

    it('REST: _referrers needs read of the target and counts only what the caller may read', async () => {
      const summary = await app.request('GET', `/desks/${ids.red}/_referrers`, { headers: as(MEMBER) });
      assert.deepEqual(summary.body.items, [{ resource: 'reporters', field: 'deskId', count: 1, ids: [ids.redReporter] }]);
      const other = await app.request('GET', `/desks/${ids.blue}/_referrers`, { headers: as(MEMBER) });
      assert.deepEqual(other.body.items, [{ resource: 'reporters', field: 'deskId', count: 0, ids: [] }]);
      assert.deepEqual((await app.request('GET', `/desks/${ids.red}/_referrers`, { headers: as(GUEST) })).body.items, [], 'guests may not list reporters');
      expectProblem(await app.request('GET', `/reporters/${ids.blueReporter}/_referrers`, { headers: as(MEMBER) }), 404, 'NOT_FOUND');
    });

    it('GraphQL: a related resource out of scope is null, its masked fields are null, referrer pages leave out what the caller may not read', async () => {
      const response = await graphql(app, '{ reports { items { title reporter { name salary desk { name } } } } desks { items { name reporters { items { name } } } } }', { headers: as(MEMBER) });
      const data = expectData(response) as any;
      const byTitle = Object.fromEntries(data.reports.items.map((item: any) => [item.title, item]));
      assert.deepEqual(byTitle['Red report'].reporter, { name: 'Rita', salary: null, desk: { name: 'Red' } });
      assert.equal(byTitle['Blue report'].reporter, null);
      assert.deepEqual(data.desks.items.map((desk: any) => [desk.name, desk.reporters.items.map((item: any) => item.name)]), [['Red', ['Rita']], ['Blue', []]]);
      const guest = expectData(await graphql(app, '{ desks { items { reporters { items { name } } } } reports { items { reporter { name } } } }', { headers: as(GUEST) })) as any;
      assert.deepEqual(guest.desks.items.map((desk: any) => desk.reporters.items), [[], []]);
      assert.deepEqual(guest.reports.items.map((report: any) => report.reporter), [null, null]);
    });
  });
}

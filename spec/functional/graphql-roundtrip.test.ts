import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsInt, IsISO8601, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';
import { Field, Indexed, Resource, Versioned } from '../../index.js';
import { startApp, type TestApp } from '../support/http.js';
import { expectData, graphql } from '../support/graphql.js';

/** Data written over GraphQL reads the same over REST, and the reverse: one manager, one representation. */
class Contact {
  @Length(1, 100) city!: string;
  @IsOptional() @IsString({ each: true }) phones?: string[];
}

@Resource()
@Versioned({ drafts: true })
class Scientist {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
  @Indexed() @IsOptional() @IsISO8601() born?: string;
  @Field(() => Contact) @IsOptional() @ValidateNested() contact?: Contact;
  @Field('json', { optional: true }) extra?: Record<string, unknown>;
}

const FIELDS = `id name email age born contact { city phones } extra
  _meta { revision revisionId revisionCount etag status deleted schemaVersion createdAt createdBy updatedAt updatedBy }`;

/** A GraphQL result without the nulls GraphQL gives for fields a REST body leaves out. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key, child]) => child !== null || key === 'createdBy' || key === 'updatedBy').map(([key, child]) => [key, withoutNulls(child)]));
}

describe('GraphQL and REST round trips', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp([Scientist], { currentUser: (request) => ({ id: String((request as { headers: Record<string, string> }).headers['x-user'] ?? 'anonymous') }) });
  });
  after(async () => { await app.close(); });

  it('GraphQL → REST: what a mutation returns is what REST reads, ETag included', async () => {
    const input = { name: 'Grace', email: 'grace@example.com', age: 85, born: '1906-12-09', contact: { city: 'Arlington', phones: ['555'] }, extra: { cobol: true } };
    const created = expectData(await graphql(app, `mutation($input: ScientistInput!) { createScientist(input: $input) { ${FIELDS} } }`,
      { variables: { input }, headers: { 'x-user': 'grace' } })).createScientist;
    const read = await app.request('GET', `/scientists/${created.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, withoutNulls(created));
    assert.equal(read.headers.get('etag'), created._meta.etag);
    assert.equal((read.body as { _meta: { createdBy: string } })._meta.createdBy, 'grace');

    const patched = expectData(await graphql(app, `mutation($id: ID!) { patchScientist(id: $id, patch: { age: 86, contact: { city: "Washington" } }, draft: true) { ${FIELDS} } }`,
      { variables: { id: created.id } })).patchScientist;
    const after = await app.request('GET', `/scientists/${created.id}`);
    assert.deepEqual(after.body, withoutNulls(patched));
    assert.deepEqual((after.body as { contact: unknown }).contact, { city: 'Washington', phones: ['555'] });
    const history = await app.request('GET', `/scientists/${created.id}/revisions`);
    const graphHistory = expectData(await graphql(app, `query($id: ID!) { scientist(id: $id) { revisions { items { revision revisionId parent status hash schemaVersion createdAt createdBy } nextCursor } } }`,
      { variables: { id: created.id } })).scientist.revisions;
    assert.deepEqual(graphHistory, history.body);
    // A REST If-Match with the ETag GraphQL returned succeeds.
    const published = await app.request('POST', `/scientists/${created.id}/publish`, { headers: { 'if-match': patched._meta.etag } });
    assert.equal(published.status, 200);
  });

  it('REST → GraphQL: what REST writes, GraphQL reads, searches and changes', async () => {
    const body = { name: 'Alan', email: 'alan@example.com', age: 41, born: '1912-06-23T00:00:00Z', contact: { city: 'Wilmslow' } };
    const created = await app.request('POST', '/scientists', { body, headers: { 'x-user': 'alan' } });
    assert.equal(created.status, 201);
    const read = expectData(await graphql(app, `query($id: ID!) { scientist(id: $id) { ${FIELDS} } }`, { variables: { id: created.body.id } })).scientist;
    assert.deepEqual(withoutNulls(read), created.body);
    const listed = expectData(await graphql(app, `{ scientists(where: { born: { lt: "1920-01-01" }, email: { eq: "alan@example.com" } }) { items { ${FIELDS} } } }`)).scientists;
    assert.deepEqual(listed.items.map(withoutNulls), [created.body]);

    const replaced = await app.request('PUT', `/scientists/${created.body.id}`, { body: { ...body, age: 42 } });
    const diff = expectData(await graphql(app, `query($id: ID!) { scientistDiff(id: $id, from: 1, to: 2) { op path value } }`, { variables: { id: created.body.id } })).scientistDiff;
    assert.deepEqual(diff, [{ op: 'replace', path: '/age', value: 42 }]);
    const switched = expectData(await graphql(app, `mutation($id: ID!) { switchScientist(id: $id, revision: 1, expectedRevision: 2) { ${FIELDS} } }`,
      { variables: { id: created.body.id } })).switchScientist;
    assert.equal(switched.age, 41);
    assert.notEqual(switched._meta.etag, replaced.body._meta.etag);
    const current = await app.request('GET', `/scientists/${created.body.id}`);
    assert.deepEqual(current.body, withoutNulls(switched));

    const deleted = await app.request('DELETE', `/scientists/${created.body.id}`);
    assert.equal(deleted.status, 204);
    const restored = expectData(await graphql(app, `mutation($id: ID!) { restoreScientist(id: $id) { ${FIELDS} } }`, { variables: { id: created.body.id } })).restoreScientist;
    assert.deepEqual(withoutNulls(restored), (await app.request('GET', `/scientists/${created.body.id}`)).body);
  });

  it('REST and GraphQL search agree on the same query', async () => {
    for (let index = 0; index < 5; index++) await app.request('POST', '/scientists', { body: { name: `Searcher ${index}`, email: `searcher-${index}@example.com`, age: 30 + index } });
    const rest = await app.request('GET', '/scientists?where[name][startsWith]=Searcher&where[age][gte]=31&sort=-age&limit=3&total=true');
    const graph = expectData(await graphql(app, `{ scientists(where: { name: { startsWith: "Searcher" }, age: { gte: 31 } }, sort: [age_DESC], limit: 3, total: true) {
      items { ${FIELDS} } nextCursor total } }`)).scientists;
    assert.deepEqual({ ...graph, items: graph.items.map(withoutNulls) }, rest.body);
    const next = await app.request('GET', `/scientists?where[name][startsWith]=Searcher&where[age][gte]=31&sort=-age&limit=3&cursor=${encodeURIComponent(graph.nextCursor)}`);
    assert.equal(next.status, 200, 'a GraphQL cursor continues the same REST query');
    assert.deepEqual(next.body.items.map((item: { age: number }) => item.age), [31]);
  });
});

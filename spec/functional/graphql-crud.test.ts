import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsEnum, IsISO8601, IsNumber, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { Field, Indexed, Resource } from '../../index.js';
import { Contact, contactData } from '../support/fixtures.js';
import { startApp, type TestApp } from '../support/http.js';
import { expectData, graphql } from '../support/graphql.js';

/** A resource without drafts: its mutations take no draft argument and it has no publish mutation. */
@Resource()
class Label {
  @Indexed() @Length(1, 50) text!: string;
}

enum Shade { Light = 'light', Dark = 'dark' }
enum Level { Low, High }

class Place {
  @Length(1, 100) street!: string;
  @IsOptional() @Length(1, 50) city?: string;
}

/** One field of every kind, to check what GraphQL types carry in and out. */
@Resource()
class Profile {
  @Indexed() @IsEnum(Shade) shade!: Shade;
  @Indexed() @IsEnum(Level) level!: Level;
  @Indexed() @IsOptional() @IsNumber() score?: number;
  @Indexed() @IsOptional() @IsBoolean() active?: boolean;
  @Indexed() @IsOptional() @IsISO8601() since?: string;
  @IsOptional() @IsString({ each: true }) tags?: string[];
  @Field(() => Place) @IsOptional() @ValidateNested() home?: Place;
  @Field(() => [Place]) @IsOptional() @ValidateNested({ each: true }) others?: Place[];
  @Field('json', { optional: true }) settings?: Record<string, unknown>;
}

const CONTACT = 'id name email title age bio _meta { revision revisionId revisionCount etag status deleted schemaVersion createdAt createdBy updatedAt updatedBy }';

/** Every query and mutation of docs/graphql.md over HTTP, with the semantics REST has (on the shared Contact). */
describe('GraphQL queries and mutations', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp([Contact, Label, Profile], { currentUser: (request) => {
      const user = (request as { headers: Record<string, string | undefined> }).headers['x-user'];
      return user ? { id: user } : null;
    } });
  });
  after(async () => { await app.close(); });

  async function create(input = contactData(), draft?: boolean): Promise<Record<string, any>> {
    const response = await graphql(app, `mutation Create($input: ContactInput!, $draft: Boolean) { createContact(input: $input, draft: $draft) { ${CONTACT} } }`,
      { variables: { input, draft } });
    return expectData(response).createContact;
  }

  describe('createContact', () => {
    it('creates revision 1 with the data, _meta and the current user as createdBy', async () => {
      const input = contactData({ bio: 'Likes maths' });
      const response = await graphql(app, `mutation($input: ContactInput!) { createContact(input: $input) { ${CONTACT} } }`, { variables: { input }, headers: { 'x-user': 'alice' } });
      const created = expectData(response).createContact;
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual({ ...created, id: undefined, _meta: undefined }, { ...input, id: undefined, _meta: undefined });
      assert.deepEqual(
        [created._meta.revision, created._meta.revisionId, created._meta.revisionCount, created._meta.status, created._meta.deleted, created._meta.createdBy, created._meta.updatedBy],
        [1, `${created.id}:1`, 1, 'stable', false, 'alice', 'alice'],
      );
      assert.match(created._meta.etag, /^"[^"]+"$/);
      assert.match(created._meta.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    it('leaves optional fields out as null and creates a draft with draft: true', async () => {
      const input = contactData();
      delete input.age;
      const created = await create(input, true);
      assert.equal(created.age, null);
      assert.equal(created.bio, null);
      assert.deepEqual([created._meta.revision, created._meta.status], [1, 'draft']);
    });

    it('takes inline arguments as well as variables', async () => {
      const response = await graphql(app, 'mutation { createLabel(input: { text: "inline" }) { id text _meta { status } } }');
      assert.deepEqual({ ...expectData(response).createLabel, id: undefined }, { id: undefined, text: 'inline', _meta: { status: 'stable' } });
    });
  });

  describe('contact and contacts', () => {
    it('reads one resource by id, as it was created', async () => {
      const created = await create();
      const response = await graphql(app, `query($id: ID!) { contact(id: $id) { ${CONTACT} } }`, { variables: { id: created.id } });
      assert.deepEqual(expectData(response).contact, created);
    });

    it('reads an old revision with revision: n and its own ETag', async () => {
      const created = await create();
      const updated = expectData(await graphql(app, `mutation($id: ID!, $input: ContactInput!) { updateContact(id: $id, input: $input) { ${CONTACT} } }`,
        { variables: { id: created.id, input: contactData({ email: created.email, name: 'Renamed' }) } })).updateContact;
      const old = expectData(await graphql(app, `query($id: ID!) { contact(id: $id, revision: 1) { ${CONTACT} } }`, { variables: { id: created.id } })).contact;
      assert.equal(old.name, created.name);
      assert.equal(old._meta.revision, 1);
      assert.notEqual(old._meta.etag, updated._meta.etag);
    });

    it('answers GET requests with the query in the URL', async () => {
      const created = await create();
      const response = await graphql(app, 'query One($id: ID!) { contact(id: $id) { id name } }', { method: 'GET', variables: { id: created.id }, operationName: 'One' });
      assert.deepEqual(expectData(response).contact, { id: created.id, name: created.name });
    });

    it('filters with typed operators, _meta fields and and/or/not, sorts, and counts with total', async () => {
      const group = `group-${Date.now()}`;
      const made = [];
      for (const age of [30, 40, 50, 60]) made.push(await create(contactData({ name: group, age })));
      await create(contactData({ name: group, age: 45 }), true);
      const response = await graphql(app, `query($group: String!) {
        contacts(where: { name: { eq: $group }, age: { gte: 40 }, _meta: { status: { eq: stable } }, not: { age: { eq: 50 } } }, sort: [age_DESC], total: true) {
          items { age } nextCursor total
        }
        either: contacts(where: { name: { eq: $group }, or: [{ age: { lt: 35 } }, { age: { in: [60] } }] }, sort: [age_ASC]) { items { age } }
      }`, { variables: { group } });
      const data = expectData(response);
      assert.deepEqual(data.contacts, { items: [{ age: 60 }, { age: 40 }], nextCursor: null, total: 2 });
      assert.deepEqual(data.either.items, [{ age: 30 }, { age: 60 }]);
      assert.equal(made.length, 4);
    });

    it('pages with limit and offset, and with cursor', async () => {
      const group = `paging-${Date.now()}`;
      for (let index = 0; index < 5; index++) await create(contactData({ name: group, age: index }));
      const query = `query($group: String!, $cursor: String, $offset: Int) {
        contacts(where: { name: { eq: $group } }, sort: [age_ASC], limit: 2, cursor: $cursor, offset: $offset) { items { age } nextCursor }
      }`;
      const first = expectData(await graphql(app, query, { variables: { group } })).contacts;
      assert.deepEqual(first.items, [{ age: 0 }, { age: 1 }]);
      const second = expectData(await graphql(app, query, { variables: { group, cursor: first.nextCursor } })).contacts;
      assert.deepEqual(second.items, [{ age: 2 }, { age: 3 }]);
      const byOffset = expectData(await graphql(app, query, { variables: { group, offset: 4 } })).contacts;
      assert.deepEqual(byOffset, { items: [{ age: 4 }], nextCursor: null });
    });

    it('searches the text fields with q and shows soft-deleted resources with deleted', async () => {
      const marker = `zebra${Date.now()}`;
      const found = await create(contactData({ title: `A ${marker} title` }));
      const gone = await create(contactData({ title: `Another ${marker} title` }));
      expectData(await graphql(app, 'mutation($id: ID!) { deleteContact(id: $id) }', { variables: { id: gone.id } }));
      const data = expectData(await graphql(app, `query($q: String!) {
        live: contacts(q: $q) { items { id } }
        all: contacts(q: $q, deleted: include, sort: [_meta_createdAt_ASC]) { items { id _meta { deleted } } }
        deleted: contacts(q: $q, deleted: only) { items { id } }
      }`, { variables: { q: marker } }));
      assert.deepEqual(data.live.items, [{ id: found.id }]);
      assert.deepEqual(data.all.items, [{ id: found.id, _meta: { deleted: false } }, { id: gone.id, _meta: { deleted: true } }]);
      assert.deepEqual(data.deleted.items, [{ id: gone.id }]);
    });
  });

  describe('updateContact and patchContact', () => {
    it('replaces the data as revision n+1 (fields left out are gone)', async () => {
      const created = await create(contactData({ bio: 'old' }));
      const updated = expectData(await graphql(app, `mutation($id: ID!, $input: ContactInput!) { updateContact(id: $id, input: $input, expectedRevision: 1) { ${CONTACT} } }`,
        { variables: { id: created.id, input: contactData({ email: created.email }) } })).updateContact;
      assert.deepEqual([updated._meta.revision, updated.bio], [2, null]);
    });

    it('merges a patch: fields left out stay, null removes an optional field', async () => {
      const created = await create(contactData({ bio: 'keep me?' }));
      const patched = expectData(await graphql(app, `mutation($id: ID!) { patchContact(id: $id, patch: { name: "Patched", bio: null }) { ${CONTACT} } }`,
        { variables: { id: created.id } })).patchContact;
      assert.deepEqual([patched.name, patched.email, patched.bio, patched._meta.revision], ['Patched', created.email, null, 2]);
    });

    it('writes drafts with draft: true and changes the current draft in place', async () => {
      const created = await create();
      const mutation = `mutation($id: ID!, $name: String!) { patchContact(id: $id, patch: { name: $name }, draft: true) { name _meta { revision status } } }`;
      const first = expectData(await graphql(app, mutation, { variables: { id: created.id, name: 'Draft one' } })).patchContact;
      const second = expectData(await graphql(app, mutation, { variables: { id: created.id, name: 'Draft two' } })).patchContact;
      assert.deepEqual(first, { name: 'Draft one', _meta: { revision: 2, status: 'draft' } });
      assert.deepEqual(second, { name: 'Draft two', _meta: { revision: 2, status: 'draft' } });
    });

    it('writes no revision when the data does not change', async () => {
      const created = await create();
      const patched = expectData(await graphql(app, `mutation($id: ID!, $name: String!) { patchContact(id: $id, patch: { name: $name }) { ${CONTACT} } }`,
        { variables: { id: created.id, name: created.name } })).patchContact;
      assert.deepEqual(patched, created);
    });
  });

  describe('deleteContact, restoreContact and purgeContact', () => {
    it('soft-deletes (true), restores, and purges for good', async () => {
      const created = await create();
      const variables = { id: created.id };
      assert.deepEqual(expectData(await graphql(app, 'mutation($id: ID!) { deleteContact(id: $id, expectedRevision: 1) }', { variables })), { deleteContact: true });
      const restored = expectData(await graphql(app, 'mutation($id: ID!) { restoreContact(id: $id) { id _meta { deleted revision } } }', { variables })).restoreContact;
      assert.deepEqual(restored, { id: created.id, _meta: { deleted: false, revision: 1 } });
      assert.deepEqual(expectData(await graphql(app, 'mutation($id: ID!) { purgeContact(id: $id) }', { variables })), { purgeContact: true });
      const read = await graphql(app, 'query($id: ID!) { contact(id: $id) { id } }', { variables });
      assert.equal(read.body.errors?.[0].extensions.code, 'NOT_FOUND');
    });
  });

  describe('history: revisions, contactDiff, switchContact and publishContact', () => {
    it('lists revisions oldest first with limit and cursor, as REST does', async () => {
      const created = await create();
      for (const name of ['Two', 'Three']) {
        await graphql(app, 'mutation($id: ID!, $name: String!) { patchContact(id: $id, patch: { name: $name }) { id } }', { variables: { id: created.id, name } });
      }
      const query = `query($id: ID!, $cursor: String) { contact(id: $id) { revisions(limit: 2, cursor: $cursor) {
        items { revision revisionId parent status hash schemaVersion createdAt createdBy } nextCursor } } }`;
      const first = expectData(await graphql(app, query, { variables: { id: created.id } })).contact.revisions;
      const rest = await app.request('GET', `/contacts/${created.id}/revisions?limit=2`);
      assert.deepEqual(first, rest.body);
      const second = expectData(await graphql(app, query, { variables: { id: created.id, cursor: first.nextCursor } })).contact.revisions;
      assert.deepEqual(second.items.map((item: { revision: number; parent: number }) => [item.revision, item.parent]), [[3, 2]]);
      assert.equal(second.nextCursor, null);
    });

    it('returns the JSON Patch between two revisions', async () => {
      const created = await create(contactData({ bio: 'first' }));
      await graphql(app, 'mutation($id: ID!) { patchContact(id: $id, patch: { bio: "second", age: null }) { id } }', { variables: { id: created.id } });
      const diff = expectData(await graphql(app, 'query($id: ID!) { contactDiff(id: $id, from: 1, to: 2) { op path from value } }', { variables: { id: created.id } })).contactDiff;
      const rest = await app.request('GET', `/contacts/${created.id}/diff?from=1&to=2`);
      assert.deepEqual(diff.map((operation: Record<string, unknown>) => Object.fromEntries(Object.entries(operation).filter(([, value]) => value !== null))), rest.body);
      assert.ok(diff.some((operation: { op: string; path: string }) => operation.op === 'replace' && operation.path === '/bio'));
    });

    it('switches to an older revision without writing one, and publishes a draft', async () => {
      const created = await create();
      await graphql(app, 'mutation($id: ID!) { patchContact(id: $id, patch: { name: "Second" }, draft: true) { id } }', { variables: { id: created.id } });
      const published = expectData(await graphql(app, 'mutation($id: ID!) { publishContact(id: $id, expectedRevision: 2) { name _meta { revision status } } }', { variables: { id: created.id } })).publishContact;
      assert.deepEqual(published, { name: 'Second', _meta: { revision: 2, status: 'stable' } });
      const switched = expectData(await graphql(app, 'mutation($id: ID!) { switchContact(id: $id, revision: 1) { name _meta { revision revisionCount } } }', { variables: { id: created.id } })).switchContact;
      assert.deepEqual(switched, { name: created.name, _meta: { revision: 1, revisionCount: 2 } });
    });

    it('generates draft and publish only for resources with drafts', async () => {
      const response = await graphql(app, '{ __type(name: "Mutation") { fields { name args { name } } } }');
      const fields = expectData(response).__type.fields as { name: string; args: { name: string }[] }[];
      const argsOf = (name: string) => fields.find((field) => field.name === name)?.args.map((arg) => arg.name);
      assert.deepEqual(argsOf('createContact'), ['input', 'draft']);
      assert.deepEqual(argsOf('createLabel'), ['input']);
      assert.ok(argsOf('publishContact'));
      assert.equal(argsOf('publishLabel'), undefined);
    });
  });

  describe('field types', () => {
    it('carries enums, numbers, booleans, dates, arrays, nested objects and JSON in and out', async () => {
      const input = {
        shade: 'Dark', level: 'High', score: 2.5, active: true, since: '2024-02-29', tags: ['a', 'b'],
        home: { street: 'Main 1', city: 'Oslo' }, others: [{ street: 'Side 2' }], settings: { theme: { dark: true }, list: [1, null, 'x'] },
      };
      const fields = 'id shade level score active since tags home { street city } others { street city } settings';
      const created = expectData(await graphql(app, `mutation($input: ProfileInput!) { createProfile(input: $input) { ${fields} } }`, { variables: { input } })).createProfile;
      assert.deepEqual({ ...created, id: undefined }, {
        ...input, id: undefined, since: '2024-02-29T00:00:00.000Z', others: [{ street: 'Side 2', city: null }],
      });
      const rest = await app.request('GET', `/profiles/${created.id}`);
      assert.deepEqual([rest.body.shade, rest.body.level, rest.body.since], ['dark', 1, '2024-02-29T00:00:00.000Z'], 'enums are stored by value');

      const patched = expectData(await graphql(app, `mutation($id: ID!) { patchProfile(id: $id, patch: { home: { city: "Bergen" }, level: Low }) { ${fields} } }`,
        { variables: { id: created.id } })).patchProfile;
      assert.deepEqual([patched.home, patched.level], [{ street: 'Main 1', city: 'Bergen' }, 'Low'], 'nested objects merge');

      const found = expectData(await graphql(app, `{
        profiles(where: { shade: { eq: Dark }, level: { in: [Low] }, score: { gt: 2 }, active: { eq: true }, since: { lt: "2025-01-01" } }) { items { id } }
      }`)).profiles;
      assert.deepEqual(found.items, [{ id: created.id }]);
    });
  });

  describe('variables written inside literals (graphql-jit and graphql-js must agree)', () => {
    it('leaves out an input field whose variable the request left out: a patch keeps the field, a filter does not test for null', async () => {
      const created = await create(contactData({ bio: 'keep me' }));
      const patched = expectData(await graphql(app, 'mutation($id: ID!, $name: String, $bio: String) { patchContact(id: $id, patch: { name: $name, bio: $bio }) { name bio } }',
        { variables: { id: created.id, name: 'Renamed' } })).patchContact;
      assert.deepEqual(patched, { name: 'Renamed', bio: 'keep me' });
      const cleared = expectData(await graphql(app, 'mutation($id: ID!, $bio: String) { patchContact(id: $id, patch: { bio: $bio }) { bio } }',
        { variables: { id: created.id, bio: null } })).patchContact;
      assert.equal(cleared.bio, null, 'a variable sent as null is null');

      const group = `omitted-${Date.now()}`;
      await create(contactData({ name: group, age: undefined }));
      const filtered = await graphql(app, 'query($group: String!, $age: Int) { contacts(where: { name: { eq: $group }, age: { eq: $age } }) { items { id } } }', { variables: { group } });
      // `age: {}` names no operator, as in REST, instead of silently becoming `age: { eq: null }` and finding the contact without age.
      assert.equal(filtered.body.errors?.[0].extensions.code, 'BAD_QUERY', filtered.text);
    });

    it('keeps a variable inside a JSON literal', async () => {
      const created = expectData(await graphql(app, 'mutation($dark: Boolean!) { createProfile(input: { shade: Light, level: Low, settings: { dark: $dark, size: 2 } }) { settings } }',
        { variables: { dark: true } })).createProfile;
      assert.deepEqual(created.settings, { dark: true, size: 2 });
    });
  });
});

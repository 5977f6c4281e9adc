import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { Job, Resource } from '../../index.js';
import { Contact, contactData } from '../support/fixtures.js';
import { startApp, type TestApp } from '../support/http.js';
import { expectData, expectError, graphql, type GraphQLResponse } from '../support/graphql.js';

/** A job, created due in an hour, so it stays queued until it is cancelled. */
@Resource()
@Job({ handler: () => undefined })
class Chore {
  @Length(1, 50) task!: string;
}

const META = '_meta { revision revisionCount status deleted etag updatedAt updatedBy }';
const CONTACT = `id name email title age bio ${META}`;

/**
 * `expectedRevision` compares revision numbers, which an in-place draft edit keeps; `ifMatch`
 * compares the ETag (`_meta.etag`), as REST's `If-Match` does, and so notices every change.
 */
describe('GraphQL optimistic concurrency: expectedRevision and ifMatch', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp([Contact, Chore], {
      currentUser: (request) => {
        const user = (request as { headers: Record<string, string | undefined> }).headers['x-user'];
        return user ? { id: user } : null;
      },
    });
  });
  after(async () => { await app.close(); });

  const send = (query: string, variables: Record<string, unknown>, user?: string): Promise<GraphQLResponse> =>
    graphql(app, query, { variables, headers: user ? { 'x-user': user } : {} });
  const read = async (id: string, user?: string): Promise<Record<string, any>> =>
    expectData(await send(`query($id: ID!) { contact(id: $id) { ${CONTACT} } }`, { id }, user)).contact;
  /** Reads a contact even when it is soft-deleted (`contact(id)` would be GONE). */
  const readAny = async (id: string): Promise<Record<string, any>> => {
    const items = expectData(await send(`query($id: ID!) { contacts(where: { id: { eq: $id } }, deleted: include) { items { ${CONTACT} } } }`, { id })).contacts.items;
    assert.equal(items.length, 1);
    return items[0];
  };
  const editDraft = (id: string, name: string, preconditions: { expectedRevision?: number; ifMatch?: string }, user: string) =>
    send(`mutation($id: ID!, $name: String!, $expected: Int, $ifMatch: String) {
      patchContact(id: $id, patch: { name: $name }, draft: true, expectedRevision: $expected, ifMatch: $ifMatch) { ${CONTACT} }
    }`, { id, name, expected: preconditions.expectedRevision, ifMatch: preconditions.ifMatch }, user);
  const patch = (id: string, name: string, ifMatch: string) =>
    send(`mutation($id: ID!, $name: String!, $ifMatch: String) { patchContact(id: $id, patch: { name: $name }, ifMatch: $ifMatch) { ${CONTACT} } }`, { id, name, ifMatch });

  /** A stable contact with a draft revision 2 on top of it, as two clients then read it. */
  async function sharedDraft(): Promise<{ id: string; seen: Record<string, any> }> {
    const created = expectData(await send(`mutation($input: ContactInput!) { createContact(input: $input) { id } }`, { input: contactData() })).createContact;
    expectData(await editDraft(created.id, 'First draft', {}, 'editor'));
    const [alice, bob] = [await read(created.id, 'alice'), await read(created.id, 'bob')];
    assert.deepEqual(alice, bob);
    assert.deepEqual([alice._meta.revision, alice._meta.status], [2, 'draft']);
    return { id: created.id, seen: alice };
  }

  /** Asserts a PRECONDITION_FAILED field error (no data for the field). */
  function expectPreconditionFailed(response: GraphQLResponse, field: string): void {
    const error = expectError(response, 'PRECONDITION_FAILED');
    assert.deepEqual(error.path, [field]);
    assert.equal(response.body.data, null);
  }

  describe('two clients editing the same draft', () => {
    it('with expectedRevision only, the later write silently wins: an in-place draft edit keeps the revision number (why ifMatch exists)', async () => {
      const { id, seen } = await sharedDraft();
      const first = expectData(await editDraft(id, 'Alice edit', { expectedRevision: seen._meta.revision }, 'alice')).patchContact;
      assert.equal(first._meta.revision, seen._meta.revision, 'the draft changed in place: same revision number');
      assert.notEqual(first._meta.etag, seen._meta.etag, 'but a new ETag');
      // Bob still holds revision 2, which is still current by number: nothing stops his write.
      const second = expectData(await editDraft(id, 'Bob edit', { expectedRevision: seen._meta.revision }, 'bob')).patchContact;
      assert.deepEqual([second.name, second._meta.revision, second._meta.updatedBy], ['Bob edit', 2, 'bob']);
      assert.equal((await read(id)).name, 'Bob edit', "Alice's edit is lost");
    });

    it('with ifMatch, the later write fails with PRECONDITION_FAILED and nothing is written, as REST If-Match refuses it', async () => {
      const { id, seen } = await sharedDraft();
      const first = expectData(await editDraft(id, 'Alice edit', { expectedRevision: 2, ifMatch: seen._meta.etag }, 'alice')).patchContact;
      assert.deepEqual([first.name, first._meta.revision, first._meta.status], ['Alice edit', 2, 'draft']);

      const second = await editDraft(id, 'Bob edit', { expectedRevision: 2, ifMatch: seen._meta.etag }, 'bob');
      expectPreconditionFailed(second, 'patchContact');
      assert.match(second.body.errors![0].message, /does not match the current ETag/);
      assert.deepEqual(await read(id), first, "nothing was written: Alice's draft, ETag and updatedBy stand");

      // REST gives the same answer to the same stale tag.
      const rest = await app.request('PATCH', `/contacts/${id}?draft=true`, {
        body: { name: 'Bob over REST' }, headers: { 'if-match': seen._meta.etag, 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(rest.status, 412, rest.text);
      assert.equal(rest.body.code, 'PRECONDITION_FAILED');
      assert.deepEqual(await read(id), first);

      // Bob reads again and retries on the current ETag.
      const retried = expectData(await editDraft(id, 'Bob edit', { ifMatch: first._meta.etag }, 'bob')).patchContact;
      assert.deepEqual([retried.name, retried._meta.revision, retried._meta.updatedBy], ['Bob edit', 2, 'bob']);
    });
  });

  describe('ifMatch values', () => {
    it('* matches any current state, and a list matches when one of its tags is current', async () => {
      const { id, seen } = await sharedDraft();
      const starred = expectData(await editDraft(id, 'Starred', { ifMatch: '*' }, 'alice')).patchContact;
      assert.equal(starred.name, 'Starred');
      const listed = expectData(await editDraft(id, 'Listed', { ifMatch: `${seen._meta.etag}, ${starred._meta.etag}` }, 'alice')).patchContact;
      assert.equal(listed.name, 'Listed');
      expectPreconditionFailed(await editDraft(id, 'Stale list', { ifMatch: `${seen._meta.etag}, ${starred._meta.etag}` }, 'bob'), 'patchContact');
    });

    it('a weak tag never matches, not even the current ETag made weak; a value that is no entity-tag list is BAD_REQUEST, as over REST', async () => {
      const { id, seen } = await sharedDraft();
      expectPreconditionFailed(await editDraft(id, 'Never', { ifMatch: `W/${seen._meta.etag}` }, 'bob'), 'patchContact');
      for (const ifMatch of [seen._meta.etag.slice(1, -1), '', 'garbage', 'W/*', `*, ${seen._meta.etag}`]) {
        const error = expectError(await editDraft(id, 'Never', { ifMatch }, 'bob'), 'BAD_REQUEST');
        assert.match(error.message, /entity-tag list/);
      }
      assert.deepEqual(await read(id), seen, 'nothing was written');
    });

    it('null means not given, like a variable left out', async () => {
      const { id } = await sharedDraft();
      const written = expectData(await send('mutation($id: ID!) { patchContact(id: $id, patch: { name: "Unconditional" }, draft: true, ifMatch: null) { name } }', { id })).patchContact;
      assert.equal(written.name, 'Unconditional');
    });
  });

  describe('every mutation that writes an existing resource takes ifMatch', () => {
    it('update, patch, publish, switch, delete, restore and purge refuse a stale ETag (nothing written) and take the current one', async () => {
      const stale = '"stale"';
      const created = expectData(await send(`mutation($input: ContactInput!) { createContact(input: $input) { ${CONTACT} } }`, { input: contactData() })).createContact;
      const { id } = created;
      let current: Record<string, any> = created;
      /** Runs `mutation` with a stale ETag (refused, nothing changes), then with the current one (returns the field's value). */
      const step = async (field: string, mutation: string, variables: Record<string, unknown> = {}): Promise<any> => {
        expectPreconditionFailed(await send(mutation, { ...variables, id, ifMatch: stale }), field);
        assert.deepEqual(await readAny(id), current, `${field} with a stale ETag wrote nothing`);
        const value = expectData(await send(mutation, { ...variables, id, ifMatch: current._meta.etag }))[field];
        const after = await readAny(id);
        assert.notEqual(after._meta.etag, current._meta.etag, `${field} changed the ETag`);
        current = after;
        return value;
      };

      const updated = await step('updateContact', 'mutation($id: ID!, $input: ContactInput!, $ifMatch: String) { updateContact(id: $id, input: $input, ifMatch: $ifMatch) { name } }',
        { input: contactData({ email: created.email, name: 'Updated' }) });
      assert.equal(updated.name, 'Updated');
      await step('patchContact', 'mutation($id: ID!, $ifMatch: String) { patchContact(id: $id, patch: { name: "Drafted" }, draft: true, ifMatch: $ifMatch) { name } }');
      assert.deepEqual([current._meta.revision, current._meta.status], [3, 'draft']);
      await step('publishContact', 'mutation($id: ID!, $ifMatch: String) { publishContact(id: $id, ifMatch: $ifMatch) { name } }');
      assert.deepEqual([current._meta.revision, current._meta.status], [3, 'stable']);
      await step('switchContact', 'mutation($id: ID!, $ifMatch: String) { switchContact(id: $id, revision: 1, ifMatch: $ifMatch) { name } }');
      assert.deepEqual([current._meta.revision, current.name], [1, created.name]);
      assert.equal(await step('deleteContact', 'mutation($id: ID!, $ifMatch: String) { deleteContact(id: $id, ifMatch: $ifMatch) }'), true);
      assert.equal(current._meta.deleted, true);
      await step('restoreContact', 'mutation($id: ID!, $ifMatch: String) { restoreContact(id: $id, ifMatch: $ifMatch) { name } }');
      assert.equal(current._meta.deleted, false);

      expectPreconditionFailed(await send('mutation($id: ID!, $ifMatch: String) { purgeContact(id: $id, ifMatch: $ifMatch) }', { id, ifMatch: stale }), 'purgeContact');
      assert.deepEqual(await readAny(id), current, 'purge with a stale ETag removed nothing');
      assert.deepEqual(expectData(await send('mutation($id: ID!, $ifMatch: String) { purgeContact(id: $id, ifMatch: $ifMatch) }', { id, ifMatch: current._meta.etag })), { purgeContact: true });
      expectError(await send('query($id: ID!) { contact(id: $id) { id } }', { id }), 'NOT_FOUND');
    });

    it('a plain patch with a stale ETag fails like the draft edit', async () => {
      const created = expectData(await send(`mutation($input: ContactInput!) { createContact(input: $input) { ${CONTACT} } }`, { input: contactData() })).createContact;
      const renamed = expectData(await patch(created.id, 'Renamed', created._meta.etag)).patchContact;
      assert.equal(renamed._meta.revision, 2);
      expectPreconditionFailed(await patch(created.id, 'Lost', created._meta.etag), 'patchContact');
      assert.deepEqual(await read(created.id), renamed);
    });

    it('rerun and cancel of a job refuse a stale ETag and take a list holding the current one', async () => {
      const runAt = new Date(Date.now() + 3_600_000).toISOString();
      const job = 'id task _job { status } _meta { revision etag }';
      const created = expectData(await send(`mutation($runAt: DateTime) { createChore(input: { task: "sweep" }, runAt: $runAt) { ${job} } }`, { runAt })).createChore;
      assert.equal(created._job.status, 'queued');
      const cancel = `mutation($id: ID!, $ifMatch: String) { cancelChore(id: $id, ifMatch: $ifMatch) { ${job} } }`;
      const rerun = `mutation($id: ID!, $ifMatch: String) { rerunChore(id: $id, ifMatch: $ifMatch) { ${job} } }`;
      const readChore = async () => expectData(await send(`query($id: ID!) { chore(id: $id) { ${job} } }`, { id: created.id })).chore;

      expectPreconditionFailed(await send(cancel, { id: created.id, ifMatch: '"stale"' }), 'cancelChore');
      assert.deepEqual(await readChore(), created);
      const cancelled = expectData(await send(cancel, { id: created.id, ifMatch: created._meta.etag })).cancelChore;
      assert.equal(cancelled._job.status, 'cancelled');

      expectPreconditionFailed(await send(rerun, { id: created.id, ifMatch: created._meta.etag }), 'rerunChore');
      assert.deepEqual(await readChore(), cancelled);
      const queued = expectData(await send(rerun, { id: created.id, ifMatch: `${created._meta.etag}, ${cancelled._meta.etag}` })).rerunChore;
      assert.deepEqual([queued._job.status, queued._meta.revision], ['queued', cancelled._meta.revision + 1]);
    });
  });
});

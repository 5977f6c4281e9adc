import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsOptional, Length } from 'class-validator';
import {
  definePlugin, idOf, Indexed, Resource, resourceResult, withArticle, writeOptionsOf, type HookName,
} from '../../index.js';
import { expectData, expectError, graphql } from '../support/graphql.js';
import { startApp, type TestApp } from '../support/http.js';

@Resource()
class Note {
  @Indexed() @Length(1, 100) title!: string;
  @IsOptional() @IsBoolean() archived?: boolean;
}

/** A resource the archive operation is not added for. */
@Resource()
class Label {
  @Length(1, 50) text!: string;
}

/** Manager calls seen by hooks, as `operation:user`: the archive must be one patch, as the caller. */
const calls: string[] = [];

/**
 * A user's own plugin, with the public exports only: `POST /notes/:id/archive`, one merge patch.
 * GraphQL knows nothing of it, and must serve it from the operation table alone.
 */
const archivePlugin = definePlugin({
  name: 'archive',
  configure(context) {
    context.operations.add({
      name: 'archive', action: 'update', mutates: true, method: 'post', path: '/:id/archive', conditional: 'If-Match',
      summary: (model) => `Archive ${withArticle(model.name)}`,
      description: (model) => `Archives ${withArticle(model.name)}: a new revision with archived set.`,
      result: resourceResult('The archived resource.'),
      problems: [400, 404, 409, 410, 412],
      invoke: (call) => call.manager.patch(idOf(call), { archived: true }, { ...writeOptionsOf(call), format: 'merge-patch' }),
    }, { resources: [Note] });
    // The caller comes from this plugin, not from the app's currentUser: GraphQL must ask the plugin context.
    context.authenticate((request) => {
      const user = (request as { headers: Record<string, string | undefined> }).headers['x-user'];
      return user ? { id: user } : undefined;
    });
    context.hooks.before({ operations: ['patch', 'get'] satisfies HookName[] }, (hook) => {
      calls.push(`${hook.operation}:${hook.user?.id ?? 'anonymous'}`);
    });
  },
});

const NOTE = 'id title archived _meta { revision etag updatedBy }';

describe('GraphQL fields derived from the operation table', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp([Note, Label], { plugins: [archivePlugin] });
  });
  after(async () => { await app?.close(); });

  const create = async (title: string) => expectData(await graphql(app, `mutation($title: String!) { createNote(input: { title: $title }) { ${NOTE} } }`,
    { variables: { title } })).createNote;
  const archive = (variables: Record<string, unknown>, user = 'alice') => graphql(app,
    `mutation($id: ID!, $expectedRevision: Int, $ifMatch: String) { archiveNote(id: $id, expectedRevision: $expectedRevision, ifMatch: $ifMatch) { ${NOTE} } }`,
    { variables, headers: { 'x-user': user } });

  it('serves an added operation as the mutation archiveNote(id, expectedRevision, ifMatch): Note!, on Note only', async () => {
    const response = expectData(await graphql(app, `{ __type(name: "Mutation") { fields { name description type { kind ofType { name } } args { name type { kind name ofType { name } } } } } }`));
    const fields = response.__type.fields as { name: string; description: string; type: { kind: string; ofType: { name: string } }; args: { name: string; type: { kind: string; name: string | null; ofType: { name: string } | null } }[] }[];
    const archiveNote = fields.find((field) => field.name === 'archiveNote');
    assert.ok(archiveNote, 'archiveNote is a mutation');
    assert.equal(archiveNote.description, 'Archives a Note: a new revision with archived set.');
    assert.deepEqual(archiveNote.type, { kind: 'NON_NULL', ofType: { name: 'Note' } });
    assert.deepEqual(archiveNote.args.map((argument) => `${argument.name}: ${argument.type.name ?? `${argument.type.ofType!.name}!`}`),
      ['id: ID!', 'expectedRevision: Int', 'ifMatch: String']);
    assert.equal(fields.find((field) => field.name === 'archiveLabel'), undefined);
  });

  it('archives with one manager call as the caller (whom a plugin authenticates), honouring ifMatch and expectedRevision', async () => {
    const note = await create('Groceries');
    calls.length = 0;
    const archived = expectData(await archive({ id: note.id, ifMatch: note._meta.etag })).archiveNote;
    assert.equal(archived.archived, true);
    assert.equal(archived._meta.revision, 2);
    assert.equal(archived._meta.updatedBy, 'alice');
    assert.deepEqual(calls, ['patch:alice'], 'one patch through the manager, with the current user');
    const rest = await app.request('GET', `/notes/${note.id}`);
    assert.equal(rest.body.archived, true);
    assert.equal(rest.body._meta.revision, 2);

    const again = expectData(await archive({ id: note.id, expectedRevision: 2 })).archiveNote;
    assert.equal(again._meta.revision, 2, 'archiving an archived note changes nothing');
  });

  it('refuses a stale ifMatch or expectedRevision with PRECONDITION_FAILED, an unknown id with NOT_FOUND', async () => {
    const note = await create('Taxes');
    expectData(await graphql(app, `mutation($id: ID!) { patchNote(id: $id, patch: { title: "Taxes 2024" }) { id } }`, { variables: { id: note.id } }));
    const stale = expectError(await archive({ id: note.id, ifMatch: note._meta.etag }), 'PRECONDITION_FAILED');
    assert.deepEqual(stale.path, ['archiveNote']);
    expectError(await archive({ id: note.id, expectedRevision: 1 }), 'PRECONDITION_FAILED');
    const current = (await app.request('GET', `/notes/${note.id}`)).body;
    assert.equal(current.archived, undefined, 'nothing was written');
    assert.equal(current._meta.revision, 2);
    expectError(await archive({ id: 'nope' }), 'NOT_FOUND');
  });

  it('serves the same operation over REST, where If-Match is the header', async () => {
    const note = await create('Letters');
    const stale = await app.request('POST', `/notes/${note.id}/archive`, { headers: { 'if-match': '"stale"' } });
    assert.equal(stale.status, 412);
    const archived = await app.request('POST', `/notes/${note.id}/archive`, { headers: { 'if-match': note._meta.etag } });
    assert.equal(archived.status, 200);
    assert.equal(archived.body.archived, true);
  });
});

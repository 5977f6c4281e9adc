import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { graphqlPlugin, Indexed, openApiPlugin, Resource, restPlugin, StrataError } from '../../index.js';
import { captureStderr, Contact, contactData, EXPLODE, failingPlugin, SECRET } from '../support/fixtures.js';
import { startApp, type TestApp } from '../support/http.js';
import { expectData, expectError, graphql, type GraphQLResponse } from '../support/graphql.js';

/** A resource without full-text fields. */
@Resource()
class Tag {
  @Indexed() @Length(1, 50) text!: string;
}

describe('GraphQL errors', () => {
  let app: TestApp;
  let limited: TestApp;
  before(async () => {
    [app, limited] = await Promise.all([
      startApp([Contact, Tag], {
        plugins: [restPlugin(), graphqlPlugin(), openApiPlugin(), failingPlugin],
        logLevel: 'error',
        currentUser(request) {
          const header = (request as { headers: Record<string, string | undefined> }).headers['x-user'];
          if (header === 'intruder') throw new StrataError('UNAUTHORIZED', 'The credentials are not valid');
          return header ? { id: header } : null;
        },
      }),
      startApp([Contact], { plugins: [restPlugin(), graphqlPlugin({ bodyLimit: '1kb' }), openApiPlugin()] }),
    ]);
  });
  after(async () => { await Promise.all([app.close(), limited.close()]); });

  async function create(input = contactData()): Promise<Record<string, any>> {
    return expectData(await graphql(app, 'mutation($input: ContactInput!) { createContact(input: $input) { id email _meta { revision } } }', { variables: { input } })).createContact;
  }
  const mutate = (query: string, variables: Record<string, unknown>) => graphql(app, `mutation($id: ID!) { ${query} }`, { variables });

  describe('errors from the manager keep their REST code', () => {
    it('VALIDATION_FAILED lists every problem with its path, message and constraint; nothing is stored', async () => {
      const response = await graphql(app, 'mutation($input: ContactInput!) { createContact(input: $input) { id } }',
        { variables: { input: { name: '', email: 'not-an-email', title: 'x', age: -1 } } });
      const error = expectError(response, 'VALIDATION_FAILED');
      assert.equal(response.body.data, null);
      assert.deepEqual(error.path, ['createContact']);
      assert.deepEqual([...new Set(error.extensions.errors!.map((detail) => detail.path))].sort(), ['age', 'email', 'name']);
      for (const detail of error.extensions.errors!) {
        assert.equal(typeof detail.message, 'string');
        assert.equal(typeof detail.constraint, 'string');
      }
      const count = expectData(await graphql(app, '{ contacts(limit: 0, total: true, where: { email: { eq: "not-an-email" } }) { total } }'));
      assert.equal(count.contacts.total, 0);
    });

    it('VALIDATION_FAILED for a patch that leaves the resource invalid', async () => {
      const created = await create();
      const error = expectError(await mutate('patchContact(id: $id, patch: { email: "nope" }) { id }', { id: created.id }), 'VALIDATION_FAILED');
      assert.deepEqual(error.extensions.errors!.map((detail) => detail.path), ['email']);
    });

    it('NOT_FOUND for an unknown id on every query and mutation, and for a revision that does not exist', async () => {
      const id = '00000000-0000-7000-8000-000000000000';
      const operations = [
        'updateContact(id: $id, input: { name: "x", email: "x@example.com", title: "x" }) { id }', 'patchContact(id: $id, patch: { name: "x" }) { id }',
        'deleteContact(id: $id)', 'purgeContact(id: $id)', 'restoreContact(id: $id) { id }', 'switchContact(id: $id, revision: 1) { id }', 'publishContact(id: $id) { id }',
      ];
      for (const operation of operations) expectError(await mutate(operation, { id }), 'NOT_FOUND');
      for (const query of ['contact(id: $id) { id }', 'contactDiff(id: $id, from: 1, to: 1) { op }']) {
        expectError(await graphql(app, `query($id: ID!) { ${query} }`, { variables: { id } }), 'NOT_FOUND');
      }
      const created = await create();
      const error = expectError(await graphql(app, 'query($id: ID!) { contact(id: $id, revision: 9) { id } }', { variables: { id: created.id } }), 'NOT_FOUND');
      assert.match(error.message, /Revision 9/);
    });

    it('GONE for a soft-deleted resource, also on its revisions inside a list', async () => {
      const created = await create();
      expectData(await mutate('deleteContact(id: $id)', { id: created.id }));
      expectError(await graphql(app, 'query($id: ID!) { contact(id: $id) { id } }', { variables: { id: created.id } }), 'GONE');
      expectError(await mutate('deleteContact(id: $id)', { id: created.id }), 'GONE');
      expectError(await mutate('patchContact(id: $id, patch: { name: "x" }) { id }', { id: created.id }), 'GONE');
      const listed = await graphql(app, 'query($id: ID!) { contacts(where: { id: { eq: $id } }, deleted: only) { items { id revisions { items { revision } } } } }', { variables: { id: created.id } });
      const error = expectError(listed, 'GONE');
      assert.deepEqual(error.path, ['contacts', 'items', 0, 'revisions']);
      // revisions is non-null (RevisionPage!), and so are items and the page: the null climbs to data.
      assert.equal(listed.body.data, null);
    });

    it('PRECONDITION_FAILED when expectedRevision is not the current revision; nothing is written', async () => {
      const created = await create();
      for (const operation of [
        'patchContact(id: $id, patch: { name: "x" }, expectedRevision: 2) { id }', 'deleteContact(id: $id, expectedRevision: 5)',
        'switchContact(id: $id, revision: 1, expectedRevision: 3) { id }', 'restoreContact(id: $id, expectedRevision: 2) { id }',
      ]) {
        const error = expectError(await mutate(operation, { id: created.id }), 'PRECONDITION_FAILED');
        assert.match(error.message, /revision/);
      }
      const read = expectData(await graphql(app, 'query($id: ID!) { contact(id: $id) { _meta { revision deleted } } }', { variables: { id: created.id } }));
      assert.deepEqual(read.contact._meta, { revision: 1, deleted: false });
    });

    it('UNIQUE_VIOLATION names the field', async () => {
      const created = await create();
      const error = expectError(await graphql(app, 'mutation($input: ContactInput!) { createContact(input: $input) { id } }', { variables: { input: contactData({ email: created.email }) } }), 'UNIQUE_VIOLATION');
      assert.deepEqual(error.extensions.errors, [{ path: 'email', message: 'email must be unique', constraint: 'unique' }]);
    });

    it('BAD_QUERY for a limit above the maximum, a value that does not fit, a bad cursor, cursor with offset, and q without text fields', async () => {
      const queries = [
        '{ contacts(limit: 5000) { items { id } } }',
        '{ contacts(where: { _meta: { createdAt: { lt: "yesterday" } } }) { items { id } } }',
        '{ contacts(cursor: "not-a-cursor") { items { id } } }',
        '{ contacts(cursor: "abc", offset: 2) { items { id } } }',
        '{ tags(q: "word") { items { id } } }',
        '{ contacts(where: { name: { contains: "" } }) { items { id } } }',
      ];
      for (const query of queries) {
        const error = expectError(await graphql(app, query), 'BAD_QUERY');
        assert.ok(error.extensions.errors!.length > 0, `${query}: ${JSON.stringify(error)}`);
      }
      const created = await create();
      expectError(await graphql(app, 'query($id: ID!) { contact(id: $id) { revisions(limit: 0) { items { revision } } } }', { variables: { id: created.id } }), 'BAD_QUERY');
    });

    it('CONFLICT when there is no draft to publish', async () => {
      const created = await create();
      const error = expectError(await mutate('publishContact(id: $id) { id }', { id: created.id }), 'CONFLICT');
      assert.match(error.message, /no draft/);
    });

    it('INTERNAL for anything else: no message details, logged with the request id', async () => {
      const { result, lines } = await captureStderr(() => graphql(app, 'mutation($input: ContactInput!) { createContact(input: $input) { id } }',
        { variables: { input: contactData({ name: EXPLODE }) }, headers: { 'x-request-id': 'trace-gql-123' } }));
      const error = expectError(result, 'INTERNAL');
      assert.equal(error.message, 'Internal error');
      assert.equal(error.extensions.requestId, 'trace-gql-123');
      assert.equal(result.headers.get('x-request-id'), 'trace-gql-123');
      assert.doesNotMatch(result.text, /hunter2/);
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.requestId === 'trace-gql-123');
      assert.ok(logged, `nothing logged with the request id: ${lines.join('')}`);
      assert.equal(logged.level, 'error');
      assert.match(String(logged.error), /hunter2/);
    });

    it('keeps the data of fields that worked next to the error of one that failed', async () => {
      const created = await create();
      const query = 'query($id: ID!) { found: contact(id: $id) { id } missing: contact(id: "nope") { id } }';
      const response = await graphql(app, query, { variables: { id: created.id } });
      const error = expectError(response, 'NOT_FOUND');
      assert.deepEqual(response.body.data, { found: { id: created.id }, missing: null });
      assert.deepEqual(error.path, ['missing']);
      assert.deepEqual(error.locations, [{ line: 1, column: query.indexOf('missing') + 1 }]);
    });

    it('an error thrown by currentUser keeps its code and status (401 UNAUTHORIZED)', async () => {
      const response = await graphql(app, '{ contacts { items { id } } }', { headers: { 'x-user': 'intruder' } });
      const error = expectError(response, 'UNAUTHORIZED', 401);
      assert.equal(error.message, 'The credentials are not valid');
    });
  });

  describe('request errors are 400 BAD_REQUEST (GraphQL over HTTP), before anything runs', () => {
    const expectRequestError = async (response: Promise<GraphQLResponse>, pattern: RegExp, status = 400) => {
      const error = expectError(await response, 'BAD_REQUEST', status);
      assert.match(error.message, pattern);
      assert.equal((await response).body.data, undefined, 'a request error has no data');
      return error;
    };

    it('a syntax error, an unknown field, a missing required input field, an input value of the wrong type', async () => {
      await expectRequestError(graphql(app, '{ contacts { items { id } '), /Syntax Error/);
      await expectRequestError(graphql(app, '{ contacts { items { nickname } } }'), /Cannot query field "nickname"/);
      await expectRequestError(graphql(app, 'mutation { createContact(input: { name: "x", title: "y" }) { id } }'), /email/);
      await expectRequestError(graphql(app, 'mutation($input: ContactInput!) { createContact(input: $input) { id } }',
        { variables: { input: { name: 'x', email: 'x@example.com', title: 'y', age: 'old' } } }), /Int cannot represent/);
      await expectRequestError(graphql(app, 'mutation($input: ContactInput!) { createContact(input: $input) { id } }',
        { variables: { input: { ...contactData(), nickname: 'x' } } }), /nickname/);
    });

    it('no query, an unknown operationName, several operations without one, invalid JSON', async () => {
      await expectRequestError(graphql(app, ''), /Syntax Error/);
      const missing = await fetch(`${app.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: '{}' });
      assert.equal(missing.status, 400);
      assert.equal(missing.headers.get('content-type'), 'application/graphql-response+json; charset=utf-8', 'the media type the client accepts');
      assert.deepEqual(((await missing.json()) as GraphQLResponse['body']).errors?.map((error) => [error.message, error.extensions.code]), [['Missing query', 'BAD_REQUEST']]);
      await expectRequestError(graphql(app, 'query A { contacts { total } }', { operationName: 'B' }), /no operation named "B"/);
      await expectRequestError(graphql(app, 'query A { contacts { total } } query B { tags { total } }'), /operationName/);
      await expectRequestError(graphql(app, 'query($limit: Int) { contacts(limit: $limit) { total } }', { variables: { limit: 'ten' } }), /\$limit/);
      const raw = await fetch(`${app.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: '{"query": ' });
      assert.equal(raw.status, 400);
      assert.equal(raw.headers.get('content-type'), 'application/graphql-response+json; charset=utf-8');
      assert.equal(((await raw.json()) as GraphQLResponse['body']).errors?.[0].extensions.code, 'BAD_REQUEST');
    });

    it('a mutation over GET is a 405 with Allow: POST', async () => {
      const response = await graphql(app, 'mutation { deleteContact(id: "x") }', { method: 'GET' });
      await expectRequestError(Promise.resolve(response), /POST/, 405);
      assert.equal(response.headers.get('allow'), 'POST');
    });

    it('a body that is not JSON is 415 UNSUPPORTED_MEDIA_TYPE; a body over the limit 413 PAYLOAD_TOO_LARGE; another method 405', async () => {
      const text = await graphql(app, '{ contacts { total } }', { headers: { 'content-type': 'text/plain' } });
      expectError(text, 'UNSUPPORTED_MEDIA_TYPE', 415);
      const large = await graphql(limited, `{ contacts(q: "${'x'.repeat(2000)}") { total } }`);
      expectError(large, 'PAYLOAD_TOO_LARGE', 413);
      const put = await fetch(`${app.baseUrl}/graphql`, { method: 'PUT', headers: { accept: 'application/graphql-response+json' } });
      assert.equal(put.status, 405);
      assert.equal(put.headers.get('allow'), 'GET, POST');
      assert.equal(((await put.json()) as GraphQLResponse['body']).errors?.[0].extensions.code, 'BAD_REQUEST');
    });

    it('with Accept: application/json, request errors are a 200 application/json response (the legacy media type)', async () => {
      const response = await fetch(`${app.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ nope }' }) });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /^application\/json/);
      assert.equal(((await response.json()) as GraphQLResponse['body']).errors?.[0].extensions.code, 'BAD_REQUEST');
      // The GraphQL media type in another charset is not acceptable: graphql-http answers with application/json's rules, and so does the media type.
      const accept = 'application/graphql-response+json; charset=iso-8859-1, application/json';
      for (const query of ['{ nope }', '{ __typename }']) {
        const latin = await fetch(`${app.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query }) });
        assert.deepEqual([latin.status, latin.headers.get('content-type')], [200, 'application/json; charset=utf-8'], query);
      }
    });
  });
});

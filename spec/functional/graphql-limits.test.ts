import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { getIntrospectionQuery } from 'graphql';
import { Length } from 'class-validator';
import { bootstrap, BootstrapError, graphqlPlugin, Indexed, openApiPlugin, Resource, restPlugin, Versioned } from '../../index.js';
import { startApp, type TestApp } from '../support/http.js';
import { expectData, expectError, graphql, type GraphQLResponse } from '../support/graphql.js';

/** Depth, complexity and alias limits, introspection and GraphiQL switches, and GraphiQL served from local files. */
@Resource()
@Versioned()
class Entry {
  @Indexed() @Length(1, 100) title!: string;
}

/** Asserts a limit error: 400 BAD_REQUEST naming the limit, its maximum and the actual value, and returns the message. */
function expectLimit(response: GraphQLResponse, limit: string, maximum: number): string {
  const error = expectError(response, 'BAD_REQUEST', 400);
  assert.equal(error.extensions.limit, limit);
  assert.equal(error.extensions.maximum, maximum);
  assert.ok((error.extensions.actual as number) > maximum, JSON.stringify(error));
  assert.equal(response.body.data, undefined, 'nothing ran');
  return error.message;
}

/** `{ __type(name: "Entry") { ofType { ofType { … name } } } }`, `levels` fields deep. */
function deepQuery(levels: number): string {
  let selection = 'name';
  for (let level = 2; level < levels; level++) selection = `ofType { ${selection} }`;
  return `{ __type(name: "Entry") { ${selection} } }`;
}

/** Asserts that introspection was refused: a 400 whose errors are all BAD_REQUEST about introspection. */
function expectNoIntrospection(response: GraphQLResponse): void {
  assert.equal(response.status, 400, response.text);
  assert.ok(response.body.errors!.length > 0);
  for (const error of response.body.errors!) {
    assert.equal(error.extensions.code, 'BAD_REQUEST');
    assert.match(error.message, /introspection has been disabled/);
  }
}

describe('GraphQL limits and switches', () => {
  let app: TestApp;
  let strict: TestApp;
  let closed: TestApp;
  before(async () => {
    [app, strict, closed] = await Promise.all([
      startApp([Entry]),
      startApp([Entry], { plugins: [restPlugin(), graphqlPlugin({ maxDepth: 3, maxComplexity: 50, maxAliases: 2 }), openApiPlugin()] }),
      startApp([Entry], { plugins: [restPlugin(), graphqlPlugin({ introspection: false, graphiql: false }), openApiPlugin()] }),
    ]);
    await app.strata.manager(Entry).createMany(Array.from({ length: 3 }, (_, index) => ({ title: `Entry ${index}` })));
  });
  after(async () => { await Promise.all([app.close(), strict.close(), closed.close()]); });

  describe('aliases', () => {
    it('refuses a query 1,000 aliases wide before running it', async () => {
      const wide = `{ ${Array.from({ length: 1000 }, (_, index) => `a${index}: entries { total }`).join(' ')} }`;
      const message = expectLimit(await graphql(app, wide), 'maxAliases', 50);
      assert.match(message, /uses 1000 aliases; at most 50 are allowed/);
    });

    it('counts aliases inside fragments every time the fragment is spread', async () => {
      const query = 'query { ...Pair x: entries { total } } fragment Pair on Query { a: entries { total } b: entries { total } }';
      assert.match(expectLimit(await graphql(strict, query), 'maxAliases', 2), /uses 3 aliases/);
      expectData(await graphql(strict, 'query { ...Pair } fragment Pair on Query { a: entries { total } b: entries { total } }'));
    });
  });

  describe('depth', () => {
    it('refuses a deeply nested query (default maximum 15: what GraphiQL\'s introspection query needs)', async () => {
      assert.match(expectLimit(await graphql(app, deepQuery(40)), 'maxDepth', 15), /nests fields 40 levels deep; at most 15 are allowed/);
      expectData(await graphql(app, deepQuery(15)));
      expectData(await graphql(app, getIntrospectionQuery({ inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true })));
    });

    it('takes a configured maximum and expands fragments', async () => {
      expectData(await graphql(strict, '{ entries { items { title } } }'));
      assert.match(expectLimit(await graphql(strict, '{ entries { items { _meta { revision } } } }'), 'maxDepth', 3), /4 levels deep/);
      expectLimit(await graphql(strict, '{ entries { ...Items } } fragment Items on EntryPage { items { _meta { revision } } }'), 'maxDepth', 3);
    });
  });

  describe('complexity', () => {
    it('refuses a query that would read too much: pages multiply by limit', async () => {
      const query = '{ entries(limit: 1000) { items { title revisions(limit: 1000) { items { revision } } } } }';
      const message = expectLimit(await graphql(app, query), 'maxComplexity', 10_000);
      assert.match(message, /costs \d+, more than the 10000 allowed per request/);
      assert.match(message, /lower limit/);
    });

    it('lets a list of 1,000 items with _meta through, and 100 items with their first revisions pages', async () => {
      expectData(await graphql(app, '{ entries(limit: 1000) { items { id title _meta { revision etag } } } }'));
      expectData(await graphql(app, '{ entries(limit: 100) { items { id _meta { revision } revisions { items { revision } } } } }'));
    });

    it('sees the request\'s variables', async () => {
      // Each item costs 1 (items is an object, title a scalar); the page costs 1 + limit × 1.
      const query = 'query($limit: Int) { entries(limit: $limit) { items { title } } }';
      expectData(await graphql(strict, query, { variables: { limit: 10 } }));
      expectData(await graphql(strict, query)); // the default page size (20) when limit is left out: costs 21
      assert.match(expectLimit(await graphql(strict, query, { variables: { limit: 100 } }), 'maxComplexity', 50), /costs 101/);
    });
  });

  describe('introspection and GraphiQL', () => {
    it('answers introspection by default and refuses it when switched off', async () => {
      assert.equal(expectData(await graphql(app, '{ __schema { queryType { name } } }')).__schema.queryType.name, 'Query');
      expectNoIntrospection(await graphql(closed, '{ __schema { queryType { name } } }'));
      expectNoIntrospection(await graphql(closed, '{ __type(name: "Entry") { name } }'));
      expectData(await graphql(closed, '{ entries { items { title } } __typename }'));
    });

    it('gives no "Did you mean" hints when introspection is off: they would name the fields, arguments and enum values it hides', async () => {
      // Each misspelled query, its variables, and the name graphql-js would suggest.
      const misspelled: [string, Record<string, unknown> | undefined, RegExp][] = [
        ['{ entries { items { titel } } }', undefined, /"title"/], ['{ entries(sort: [title_AS]) { total } }', undefined, /title_ASC|title_DESC/],
        ['{ entries(wher: {}) { total } }', undefined, /"where"/], ['mutation { createEntri(input: { title: "x" }) { id } }', undefined, /"createEntry"/],
        ['mutation($input: EntryInput!) { createEntry(input: $input) { id } }', { input: { titel: 'x' } }, /"title"/],
      ];
      for (const [query, variables, suggestion] of misspelled) {
        const hidden = expectError(await graphql(closed, query, { variables }), 'BAD_REQUEST', 400);
        assert.doesNotMatch(hidden.message, /Did you mean/, hidden.message);
        assert.doesNotMatch(hidden.message, suggestion, hidden.message);
        assert.match(expectError(await graphql(app, query, { variables }), 'BAD_REQUEST', 400).message, /Did you mean/, 'with introspection on, the hints stay');
      }
    });

    it('serves GraphiQL to a browser from local files only (no CDN)', async () => {
      const page = await fetch(`${app.baseUrl}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type')!, /^text\/html/);
      const html = await page.text();
      assert.doesNotMatch(html, /https?:\/\//, 'no external URL in the page');
      assert.doesNotMatch(html, /<script>[^<]/, 'no inline script (a strict Content-Security-Policy works)');
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
      assert.deepEqual(assets.sort(), [
        '/graphql/graphiql/graphiql.min.css', '/graphql/graphiql/graphiql.min.js', '/graphql/graphiql/page.css',
        '/graphql/graphiql/react-dom.production.min.js', '/graphql/graphiql/react.production.min.js', '/graphql/graphiql/start.js',
      ]);
      for (const asset of assets) {
        const response = await fetch(`${app.baseUrl}${asset}`);
        assert.equal(response.status, 200, asset);
        assert.match(response.headers.get('content-type')!, asset.endsWith('.css') ? /^text\/css/ : /javascript/, asset);
        const text = await response.text();
        assert.ok(text.length > 30, asset);
        // Stylesheets are where remote fonts hide: every url() must be inline data, and nothing is imported.
        if (asset.endsWith('.css')) assert.doesNotMatch(text, /@import|url\(\s*["']?(?!data:)/, `${asset} loads something from elsewhere`);
      }
      const start = await (await fetch(`${app.baseUrl}/graphql/graphiql/start.js`)).text();
      assert.match(start, /GraphiQL\.createFetcher\(\{ url: "\/graphql" \}\)/);
      assert.equal((await fetch(`${app.baseUrl}/graphql/graphiql/package.json`)).status, 404, 'only the listed assets are served');
    });

    it('answers a browser with GraphQL, not GraphiQL, when GraphiQL is off', async () => {
      const page = await fetch(`${closed.baseUrl}/graphql`, { headers: { accept: 'text/html,*/*;q=0.8' } });
      assert.doesNotMatch(page.headers.get('content-type')!, /text\/html/);
      assert.equal(page.status, 400);
      assert.equal((await fetch(`${closed.baseUrl}/graphql/graphiql/graphiql.min.js`)).status, 404);
    });

    it('refuses options that do not fit at bootstrap, naming them', async () => {
      await assert.rejects(
        bootstrap(express(), { resources: [Entry], database: 'sqlite::memory:', plugins: [graphqlPlugin({ introspection: false, graphiql: true, maxDepth: 0, path: 'graphql' })] }),
        (error: unknown) => {
          assert.ok(error instanceof BootstrapError);
          assert.match(error.message, /graphiql needs introspection/);
          assert.match(error.message, /maxDepth must be a whole number of at least 1/);
          assert.match(error.message, /path must be an absolute path/);
          return true;
        });
      await assert.rejects(bootstrap(express(), { resources: [Entry], database: 'sqlite::memory:', plugins: [graphqlPlugin({ path: '/entries/graphql' })] }),
        /inside the REST routes of Entry/);
      await assert.rejects(bootstrap(null, { resources: [Entry], database: 'sqlite::memory:', plugins: [graphqlPlugin()] }), /needs an Express app/);
    });

    it('defaults to no introspection and no GraphiQL when NODE_ENV is production', async () => {
      const environment = process.env.NODE_ENV;
      process.env.NODE_ENV = 'production';
      let production: TestApp;
      try {
        production = await startApp([Entry], { plugins: [graphqlPlugin()] });
      } finally {
        process.env.NODE_ENV = environment;
      }
      try {
        expectNoIntrospection(await graphql(production, '{ __schema { queryType { name } } }'));
        const page = await fetch(`${production.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
        assert.doesNotMatch(page.headers.get('content-type') ?? '', /text\/html/);
      } finally {
        await production.close();
      }
    });
  });
});

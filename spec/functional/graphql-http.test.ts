import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { auditServer } from 'graphql-http';
import { graphqlPlugin, Indexed, Resource } from '../../index.js';
import { startApp, type TestApp } from '../support/http.js';

@Resource()
class Note {
  @Indexed() @Length(1, 100) text!: string;
}

describe('GraphQL over HTTP compliance', () => {
  let app: TestApp;
  before(async () => { app = await startApp([Note], { plugins: [graphqlPlugin()] }); });
  after(async () => { await app.close(); });

  it('passes every audit of graphql-http (the GraphQL-over-HTTP specification test suite)', async () => {
    const results = await auditServer({ url: `${app.baseUrl}/graphql` });
    const failed = results.filter((result) => result.status !== 'ok');
    assert.deepEqual(failed.map((result) => `${result.status}: ${result.name}: ${'reason' in result ? result.reason : ''}`), []);
    assert.ok(results.length > 50);
  });
});

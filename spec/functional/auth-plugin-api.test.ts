import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import express from 'express';
import { Length } from 'class-validator';
import { SignJWT } from 'jose';
import { Allow, authPlugin, bootstrap, BootstrapError, definePlugin, Indexed, permissionsPlugin, Resource, StrataError } from '../../index.js';
import { graphql } from '../support/graphql.js';
import { expectProblem, startApp } from '../support/http.js';

@Resource()
class Memo {
  @Length(1, 100) text!: string;
}

/** A plugin of the user's own: a session cookie, declared as an OpenAPI security scheme. */
const sessions = definePlugin({
  name: 'sessions',
  configure(context) {
    context.authenticate((request) => {
      const cookie = (request as Request).header('cookie');
      if (!cookie) return undefined;
      if (cookie !== 'session=good') throw new StrataError('UNAUTHORIZED', 'the session has ended', [], { headers: { 'WWW-Authenticate': 'Cookie realm="memos"' } });
      return { id: 'session-user' };
    }, { schemes: { session: { type: 'apiKey', in: 'cookie', name: 'session' } } });
  },
});

/** Refuses writes of "slow" with a 429 carrying Retry-After, and of "anonymous" with a 401 naming no challenge. */
const limiter = definePlugin({
  name: 'limiter',
  configure({ hooks }) {
    hooks.before('create', (context) => {
      const text = (context.input.data as { text?: string }).text;
      if (text === 'slow') throw new StrataError('RATE_LIMITED', 'slow down', [], { headers: { 'Retry-After': '5' } });
      if (text === 'anonymous' && !context.user) throw new StrataError('UNAUTHORIZED', 'sign in to write that');
    });
  },
});

describe('the plugin API for authentication', () => {
  it('lets a plugin of the user\'s own declare the credential it reads; OpenAPI lists it, with a 401 on every operation', async () => {
    const app = await startApp([Memo], { logLevel: 'silent', plugins: [sessions, limiter] });
    try {
      const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json() as any;
      assert.deepEqual(document.components.securitySchemes, { session: { type: 'apiKey', in: 'cookie', name: 'session' } });
      assert.deepEqual(document.security, [{}, { session: [] }]);
      assert.equal(document.paths['/memos'].post.responses[401].$ref, '#/components/responses/Unauthorized');
      assert.equal(app.strata.models.length, 1);

      const created = await app.request('POST', '/memos', { body: { text: 'hello' }, headers: { cookie: 'session=good' } });
      assert.equal(created.body._meta.createdBy, 'session-user');
      const ended = await app.request('POST', '/memos', { body: { text: 'hello' }, headers: { cookie: 'session=old' } });
      expectProblem(ended, 401, 'UNAUTHORIZED');
      assert.equal(ended.headers.get('www-authenticate'), 'Cookie realm="memos"', 'the error\'s own challenge');
    } finally {
      await app.close();
    }
  });

  it('sends the headers a StrataError carries, and a default challenge with a 401 that names none', async () => {
    const app = await startApp([Memo], { logLevel: 'silent', plugins: [limiter] });
    try {
      const limited = await app.request('POST', '/memos', { body: { text: 'slow' } });
      expectProblem(limited, 429, 'RATE_LIMITED');
      assert.equal(limited.headers.get('retry-after'), '5');
      const refused = await app.request('POST', '/memos', { body: { text: 'anonymous' } });
      expectProblem(refused, 401, 'UNAUTHORIZED');
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="strata"');
      const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json() as any;
      assert.equal(document.security, undefined, 'no schemes, no security');
      assert.equal(document.components.securitySchemes, undefined);
    } finally {
      await app.close();
    }
  });

  it('sends the default challenge when the app\'s own currentUser refuses, over REST and GraphQL', async () => {
    const currentUser = (request: unknown) => {
      if ((request as Request).header('x-user') === 'bad') throw new StrataError('UNAUTHORIZED', 'unknown user');
      return null;
    };
    const app = await startApp([Memo], { logLevel: 'silent', currentUser });
    try {
      const rest = await app.request('GET', '/memos', { headers: { 'x-user': 'bad' } });
      expectProblem(rest, 401, 'UNAUTHORIZED');
      assert.equal(rest.headers.get('www-authenticate'), 'Bearer realm="strata"');
      const overGraphql = await graphql(app, '{ memos { items { id } } }', { headers: { 'x-user': 'bad' } });
      assert.equal(overGraphql.status, 401);
      assert.equal(overGraphql.body.errors?.[0].extensions.code, 'UNAUTHORIZED');
      assert.equal(overGraphql.headers.get('www-authenticate'), 'Bearer realm="strata"');
    } finally {
      await app.close();
    }
  });

  it('refuses a scheme declared twice, a bad scheme name and a resolver that is not a function', async () => {
    const declaring = (name: string, scheme: string) => definePlugin({
      name, configure(context) { context.authenticate(() => undefined, { schemes: { [scheme]: { type: 'http', scheme: 'bearer' } } }); },
    });
    const cases: [ReturnType<typeof definePlugin>[], RegExp][] = [
      [[declaring('one', 'bearer'), declaring('two', 'bearer')], /two: security scheme "bearer" is already declared by one; give it another name/],
      [[declaring('one', 'has space')], /one: security scheme name "has space" may hold only letters, digits/],
      [[definePlugin({ name: 'broken', configure(context) { context.authenticate('nope' as never); } })], /broken: authenticate needs a resolver function/],
    ];
    for (const [plugins, expected] of cases) {
      await assert.rejects(bootstrap(express(), { resources: [Memo], database: 'sqlite::memory:', logLevel: 'silent', plugins }), (error: unknown) => {
        assert.ok(error instanceof BootstrapError);
        assert.match(error.message, expected);
        return true;
      });
    }
  });
});

@Resource()
@Allow('admin', '*')
@Allow('member', ['read', 'list'], { where: (user) => ({ teamId: String(user.teamId) }) })
class TeamNote {
  @Indexed() @Length(1, 40) teamId!: string;
  @Length(1, 100) text!: string;
}

describe('the auth plugin with the permissions plugin', () => {
  it('401s an anonymous caller (plain challenge) and a bad token (invalid_token); a token\'s claims feed where scopes', async () => {
    const secret = 'a-test-secret-of-at-least-32-bytes-0123456789';
    const sign = (sub: string, claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    const app = await startApp([TeamNote], { logLevel: 'silent', plugins: [authPlugin({ jwt: { secret } }), permissionsPlugin()] });
    try {
      const admin = { authorization: `Bearer ${await sign('ada', { roles: ['admin'] })}` };
      for (const teamId of ['red', 'blue']) assert.equal((await app.request('POST', '/team-notes', { body: { teamId, text: teamId }, headers: admin })).status, 201);
      const member = { authorization: `Bearer ${await sign('mia', { roles: 'member', teamId: 'red' })}` };
      const seen = await app.request('GET', '/team-notes', { headers: member });
      assert.deepEqual(seen.body.items.map((note: { teamId: string }) => note.teamId), ['red']);
      expectProblem(await app.request('POST', '/team-notes', { body: { teamId: 'red', text: 'no' }, headers: member }), 403, 'FORBIDDEN');
      const anonymous = await app.request('GET', '/team-notes');
      expectProblem(anonymous, 401, 'UNAUTHORIZED');
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="strata"');
      const forged = await app.request('GET', '/team-notes', { headers: { authorization: `Bearer ${await sign('ada', { roles: ['admin'] })}x` } });
      expectProblem(forged, 401, 'UNAUTHORIZED');
      assert.match(forged.headers.get('www-authenticate')!, /error="invalid_token"/);
      const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json() as any;
      assert.deepEqual(Object.keys(document.paths['/team-notes'].get.responses).filter((status) => status.startsWith('4')).sort(), ['400', '401', '403']);
    } finally {
      await app.close();
    }
  });
});

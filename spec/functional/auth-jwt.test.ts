import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { SignJWT, UnsecuredJWT } from 'jose';
import { Length } from 'class-validator';
import WebSocket from 'ws';
import { authPlugin, definePlugin, eventsPlugin, Resource, type CurrentUser } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { graphql } from '../support/graphql.js';
import { openGraphQLSocket } from '../support/graphql-ws.js';
import { expectProblem, startApp, type TestApp, type TestResponse } from '../support/http.js';

@Resource()
class Article {
  @Length(1, 100) title!: string;
}

const SECRET = 'a-test-secret-of-at-least-32-bytes-0123456789';
const OTHER_SECRET = 'another-secret-of-at-least-32-bytes-987654321';
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'strata-tests';
const key = (secret: string) => new TextEncoder().encode(secret);

/** A token as the app expects it (HS256, its issuer and audience, valid for an hour); `change` bends it. */
async function token(claims: Record<string, unknown> = {}, change: (jwt: SignJWT) => SignJWT = (jwt) => jwt, options: { alg?: string; secret?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ roles: ['editor'], ...claims }).setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1h');
  if (!('sub' in claims)) jwt.setSubject('alice');
  return change(jwt).sign(key(options.secret ?? SECRET));
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

/** Every bad credential the suite sends, each with the RFC 6750 error it must name (none when the request did not use Bearer). */
async function badCredentials(): Promise<{ name: string; headers: Record<string, string>; error?: string }[]> {
  const now = Math.floor(Date.now() / 1000);
  const valid = await token();
  const [header, payload] = valid.split('.');
  return [
    { name: 'expired', headers: bearer(await token({}, (jwt) => jwt.setIssuedAt(now - 7200).setExpirationTime(now - 3600))), error: 'invalid_token' },
    { name: 'not yet valid', headers: bearer(await token({}, (jwt) => jwt.setNotBefore(now + 3600))), error: 'invalid_token' },
    { name: 'wrong issuer', headers: bearer(await token({}, (jwt) => jwt.setIssuer('https://elsewhere.test'))), error: 'invalid_token' },
    { name: 'wrong audience', headers: bearer(await token({}, (jwt) => jwt.setAudience('another-api'))), error: 'invalid_token' },
    { name: 'wrong alg (HS512, only HS256 accepted)', headers: bearer(await token({}, undefined, { alg: 'HS512' })), error: 'invalid_token' },
    { name: 'forged signature (another secret)', headers: bearer(await token({}, undefined, { secret: OTHER_SECRET })), error: 'invalid_token' },
    { name: 'tampered payload', headers: bearer(`${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', roles: ['admin'], iss: ISSUER, aud: AUDIENCE })).toString('base64url')}.${valid.split('.')[2]}`), error: 'invalid_token' },
    { name: 'alg none', headers: bearer(new UnsecuredJWT({ sub: 'mallory' }).setIssuer(ISSUER).setAudience(AUDIENCE).encode()), error: 'invalid_token' },
    { name: 'no sub', headers: bearer(await token({ sub: undefined })), error: 'invalid_token' },
    { name: 'roles not strings', headers: bearer(await token({ roles: [1, 2] })), error: 'invalid_token' },
    { name: 'garbage', headers: bearer('garbage'), error: 'invalid_token' },
    { name: 'two dots of garbage', headers: bearer(`${header}.${payload}`), error: 'invalid_token' },
    { name: 'Bearer with no token', headers: { authorization: 'Bearer ' }, error: 'invalid_request' },
    { name: 'Bearer with a space in the token', headers: { authorization: `Bearer ${header} ${payload}` }, error: 'invalid_request' },
    { name: 'an empty Authorization', headers: { authorization: '' }, error: 'invalid_request' },
    { name: 'another scheme (Basic)', headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } },
  ];
}

/** Asserts a 401 UNAUTHORIZED problem with a Bearer challenge naming `error` (or none). */
function expectUnauthorized(response: TestResponse, error: string | undefined, what: string): void {
  expectProblem(response, 401, 'UNAUTHORIZED');
  assertChallenge(response.headers.get('www-authenticate'), error, what);
}

function assertChallenge(challenge: string | null | undefined, error: string | undefined, what: string): void {
  assert.ok(challenge, `${what}: no WWW-Authenticate`);
  assert.match(challenge, /^Bearer realm="strata"/, what);
  if (error) assert.match(challenge, new RegExp(`error="${error}"`), what);
  else assert.doesNotMatch(challenge, /error=/, what);
}

/** Records the user of every create, as hooks see it. */
function recorder(seen: (CurrentUser | null)[]) {
  return definePlugin({ name: 'recorder', configure({ hooks }) { hooks.before('create', (context) => { seen.push(context.user ?? null); }); } });
}

/** The app's own currentUser: `x-user` names the caller (the auth plugin leaves requests without a credential to it). */
function currentUser(request: unknown) {
  const user = (request as Request).header('x-user');
  return user ? { id: user, roles: ['guest'] } : null;
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`auth plugin, JWT: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    const seen: (CurrentUser | null)[] = [];
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Article], {
        database: database.url, logLevel: 'error', currentUser,
        plugins: [authPlugin({ jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] } }), eventsPlugin(), recorder(seen)],
      });
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    const count = async () => (await app.request('GET', '/articles/_count')).body.count as number;

    it('takes the user from a valid token: id is sub, roles the roles claim, claims the payload, the app\'s own claims beside them; createdBy and updatedBy are the sub', async () => {
      const created = await app.request('POST', '/articles', { body: { title: 'Signed' }, headers: bearer(await token({ teamId: 'red' })) });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body._meta.createdBy, 'alice');
      const user = seen.at(-1)!;
      assert.equal(user.id, 'alice');
      assert.deepEqual(user.roles, ['editor']);
      assert.equal((user.claims as { iss: string }).iss, ISSUER);
      assert.equal(user.teamId, 'red', 'the app\'s own claims are on the user too, for where functions');
      assert.equal(user.iss, undefined, 'registered claims stay under claims');
      const patched = await app.request('PATCH', `/articles/${created.body.id}`, { body: { title: 'Edited' }, headers: bearer(await token({ sub: 'bob', roles: 'reviewer' })) });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body._meta.createdBy, 'alice');
      assert.equal(patched.body._meta.updatedBy, 'bob');
      const revisions = await app.request('GET', `/articles/${created.body.id}/revisions`);
      assert.deepEqual(revisions.body.items.map((revision: { createdBy: string }) => revision.createdBy), ['alice', 'bob']);
      await app.request('POST', '/articles', { body: { title: 'One role' }, headers: bearer(await token({ sub: 'carol', roles: 'reviewer' })) });
      assert.deepEqual(seen.at(-1)!.roles, ['reviewer'], 'a single string is a list of one');
      await app.request('POST', '/articles', { body: { title: 'No roles' }, headers: bearer(await token({ sub: 'dave', roles: undefined })) });
      assert.deepEqual(seen.at(-1)!.roles, [], 'no roles claim is no roles');
    });

    it('leaves a request without a credential to the app\'s currentUser, anonymous by default', async () => {
      const anonymous = await app.request('POST', '/articles', { body: { title: 'Anonymous' } });
      assert.equal(anonymous.status, 201);
      assert.equal(anonymous.body._meta.createdBy, null);
      const own = await app.request('POST', '/articles', { body: { title: 'Own' }, headers: { 'x-user': 'erin' } });
      assert.equal(own.body._meta.createdBy, 'erin');
      assert.deepEqual(seen.at(-1), { id: 'erin', roles: ['guest'] });
    });

    it('answers every bad credential with 401 and a Bearer challenge, never as an anonymous call, and writes nothing', async () => {
      const before = await count();
      const credentials = await badCredentials();
      for (const { name, headers, error } of credentials) {
        expectUnauthorized(await app.request('POST', '/articles', { body: { title: name }, headers }), error, `POST with ${name}`);
        expectUnauthorized(await app.request('GET', '/articles', { headers }), error, `GET with ${name}`);
        // A bad credential beside a good app-level one is still refused.
        expectUnauthorized(await app.request('GET', '/articles', { headers: { ...headers, 'x-user': 'erin' } }), error, `GET with ${name} and x-user`);
      }
      assert.equal(await count(), before, 'no refused request wrote anything');
      assert.ok(credentials.length >= 16);
    });

    it('accepts a token inside the clock tolerance only when configured (here: none)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const justExpired = await token({}, (jwt) => jwt.setIssuedAt(now - 60).setExpirationTime(now - 5));
      expectUnauthorized(await app.request('GET', '/articles', { headers: bearer(justExpired) }), 'invalid_token', 'expired 5 s ago');
    });

    it('refuses a bad token over GraphQL POST and GET with UNAUTHORIZED in extensions.code and the challenge', async () => {
      for (const method of ['POST', 'GET'] as const) {
        const query = method === 'POST' ? 'mutation { createArticle(input: { title: "Nope" }) { id } }' : '{ articles { items { id } } }';
        const refused = await graphql(app, query, { method, headers: bearer(await token({}, undefined, { secret: OTHER_SECRET })) });
        assert.equal(refused.status, 401, refused.text);
        assert.equal(refused.body.errors?.[0].extensions.code, 'UNAUTHORIZED');
        assertChallenge(refused.headers.get('www-authenticate'), 'invalid_token', `GraphQL ${method}`);
      }
      const created = await graphql(app, 'mutation { createArticle(input: { title: "Via GraphQL" }) { id _meta { createdBy } } }', { headers: bearer(await token({ sub: 'frank' })) });
      assert.equal(created.body.data.createArticle._meta.createdBy, 'frank');
    });

    it('refuses a WebSocket upgrade with a bad token (401 with the challenge) and accepts a good one', async () => {
      const url = `${app.baseUrl.replace(/^http/, 'ws')}/graphql`;
      const refused = await new Promise<{ status: number; challenge?: string; body: string }>((resolve, reject) => {
        const socket = new WebSocket(url, 'graphql-transport-ws', { headers: bearer('garbage') });
        socket.once('open', () => reject(new Error('the upgrade was accepted')));
        socket.once('unexpected-response', (_request, response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => { body += chunk; });
          response.once('end', () => resolve({ status: response.statusCode ?? 0, challenge: response.headers['www-authenticate'], body }));
        });
        socket.once('error', reject);
      });
      assert.equal(refused.status, 401);
      assertChallenge(refused.challenge, 'invalid_token', 'upgrade');
      assert.equal(JSON.parse(refused.body).errors[0].extensions.code, 'UNAUTHORIZED');
      const socket = await openGraphQLSocket(url, bearer(await token()));
      socket.close();
    });

    it('refuses a bad token on /_events, streams and pages alike, and serves a good one', async () => {
      const headers = bearer(await token({}, (jwt) => jwt.setIssuer('https://elsewhere.test')));
      const stream = await fetch(`${app.baseUrl}/_events`, { headers: { ...headers, accept: 'text/event-stream' } });
      assert.equal(stream.status, 401);
      assert.match(stream.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assertChallenge(stream.headers.get('www-authenticate'), 'invalid_token', '/_events stream');
      assert.equal((await stream.json() as { code: string }).code, 'UNAUTHORIZED');
      const page = await fetch(`${app.baseUrl}/_events`, { headers: { ...headers, accept: 'application/json' } });
      assert.equal(page.status, 401);
      assertChallenge(page.headers.get('www-authenticate'), 'invalid_token', '/_events page');
      const good = await fetch(`${app.baseUrl}/_events`, { headers: { ...bearer(await token()), accept: 'application/json' } });
      assert.equal(good.status, 200);
    });

    it('documents the bearer scheme, optional security and a 401 with its challenge on every operation', async () => {
      const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json() as any;
      assert.deepEqual(document.components.securitySchemes, {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT in `Authorization: Bearer <token>`.' },
      });
      assert.deepEqual(document.security, [{}, { bearer: [] }]);
      assert.ok(document.components.responses.Unauthorized.headers['WWW-Authenticate'], 'the 401 documents its challenge');
      let operations = 0;
      for (const item of Object.values(document.paths) as Record<string, { responses: Record<string, { $ref?: string }> }>[]) {
        for (const operation of Object.values(item)) {
          assert.equal(operation.responses[401]?.$ref, '#/components/responses/Unauthorized');
          operations += 1;
        }
      }
      assert.ok(operations > 10);
    });
  });
}

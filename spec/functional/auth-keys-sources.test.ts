import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { SignJWT } from 'jose';
import { Length } from 'class-validator';
import { authPlugin, bootstrap, BootstrapError, definePlugin, Resource, type AuthOptions, type CurrentUser } from '../../index.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';

@Resource()
class Note {
  @Length(1, 100) text!: string;
}

const SECRET = 'a-test-secret-of-at-least-32-bytes-0123456789';

/** A key pair with the JWK of its public half, named `kid`. */
function keyPair(type: 'rsa' | 'ec', kid: string) {
  const { publicKey, privateKey } = type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const alg = type === 'rsa' ? 'RS256' : 'ES256';
  return { publicKey, privateKey, alg, kid, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

function sign(privateKey: KeyObject | Uint8Array, alg: string, claims: Record<string, unknown> = {}, kid?: string, change: (jwt: SignJWT) => SignJWT = (jwt) => jwt) {
  return change(new SignJWT({ ...claims }).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setSubject('alice').setIssuedAt().setExpirationTime('10m')).sign(privateKey);
}

/** Starts an app with `auth` and a recorder of the users hooks see; closes it after `use`. */
async function withApp(auth: AuthOptions, use: (app: TestApp, seen: (CurrentUser | null)[]) => Promise<void>): Promise<void> {
  const seen: (CurrentUser | null)[] = [];
  const recorder = definePlugin({ name: 'recorder', configure({ hooks }) { hooks.before('list', (context) => { seen.push(context.user ?? null); }); } });
  const app = await startApp([Note], { logLevel: 'silent', plugins: [authPlugin(auth), recorder] });
  try {
    await use(app, seen);
  } finally {
    await app.close();
  }
}

const get = (app: TestApp, token: string, headerName = 'authorization') => app.request('GET', '/notes', { headers: { [headerName]: headerName === 'authorization' ? `Bearer ${token}` : token } });

describe('auth plugin: key sources and claims', () => {
  const rsa = keyPair('rsa', 'rsa-1');
  const ec = keyPair('ec', 'ec-1');
  const stranger = keyPair('rsa', 'rsa-1');
  let folder: string;
  let jwksServer: Server;
  let jwksUrl: string;
  let jwksFetches = 0;
  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'strata-jwks-'));
    jwksServer = createServer((request, response) => {
      jwksFetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(async () => {
    rmSync(folder, { recursive: true, force: true });
    jwksServer.closeAllConnections();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  it('verifies RS256 with a PEM public key and with a KeyObject, and refuses a token of another key', async () => {
    for (const publicKey of [rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string, rsa.publicKey]) {
      await withApp({ jwt: { publicKey } }, async (app, seen) => {
        assert.equal((await get(app, await sign(rsa.privateKey, 'RS256', { roles: ['admin'] }))).status, 200);
        assert.deepEqual([seen[0]?.id, seen[0]?.roles], ['alice', ['admin']]);
        const forged = await get(app, await sign(stranger.privateKey, 'RS256'));
        expectProblem(forged, 401, 'UNAUTHORIZED');
        assert.match(forged.headers.get('www-authenticate')!, /error="invalid_token"/);
        // An HMAC token "signed" with the public key as a secret (the classic alg confusion) is refused.
        const pem = new TextEncoder().encode(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
        expectProblem(await get(app, await sign(pem, 'HS256')), 401, 'UNAUTHORIZED');
      });
    }
  });

  it('verifies with a JWKS file (path or file: URL), picking the key by kid', async () => {
    const file = join(folder, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
    for (const jwks of [file, pathToFileURL(file).href]) {
      await withApp({ jwt: { jwks } }, async (app) => {
        assert.equal((await get(app, await sign(rsa.privateKey, 'RS256', {}, 'rsa-1'))).status, 200);
        assert.equal((await get(app, await sign(ec.privateKey, 'ES256', {}, 'ec-1'))).status, 200);
        expectProblem(await get(app, await sign(ec.privateKey, 'ES256', {}, 'unknown-kid')), 401, 'UNAUTHORIZED');
        expectProblem(await get(app, await sign(stranger.privateKey, 'RS256', {}, 'rsa-1')), 401, 'UNAUTHORIZED');
      });
    }
  });

  it('verifies with a JWKS URL, fetched once and cached, and the key set itself', async () => {
    await withApp({ jwt: { jwks: jwksUrl, algorithms: ['RS256', 'ES256'] } }, async (app) => {
      const before = jwksFetches;
      for (let attempt = 0; attempt < 3; attempt++) {
        assert.equal((await get(app, await sign(rsa.privateKey, 'RS256', {}, 'rsa-1'))).status, 200);
        assert.equal((await get(app, await sign(ec.privateKey, 'ES256', {}, 'ec-1'))).status, 200);
      }
      assert.equal(jwksFetches - before, 1, 'the key set is fetched once and cached');
      expectProblem(await get(app, await sign(stranger.privateKey, 'RS256', {}, 'rsa-1')), 401, 'UNAUTHORIZED');
    });
    await withApp({ jwt: { jwks: { keys: [ec.jwk] } } }, async (app) => {
      assert.equal((await get(app, await sign(ec.privateKey, 'ES256', {}, 'ec-1'))).status, 200);
    });
  });

  it('answers 500, not 401, when the JWKS URL cannot be reached: the server is at fault, not the token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await withApp({ jwt: { jwks: `http://127.0.0.1:${port}/jwks.json` } }, async (app) => {
      expectProblem(await get(app, await sign(rsa.privateKey, 'RS256', {}, 'rsa-1')), 500, 'INTERNAL');
      assert.equal((await app.request('GET', '/notes')).status, 200, 'a request without a credential needs no key set');
    });
  });

  it('reads roles from rolesClaim (a namespaced claim, or a dotted path), and honours clockTolerance, issuer and audience lists', async () => {
    await withApp({ jwt: { secret: SECRET, rolesClaim: 'realm_access.roles', issuer: ['https://a.test', 'https://b.test'], audience: ['api', 'admin'], clockTolerance: '30s' } }, async (app, seen) => {
      const secret = new TextEncoder().encode(SECRET);
      const now = Math.floor(Date.now() / 1000);
      const token = (claims: Record<string, unknown>, change?: (jwt: SignJWT) => SignJWT) => sign(secret, 'HS256', claims, undefined, (jwt) => (change ?? ((same) => same))(jwt.setIssuer('https://b.test').setAudience('admin')));
      assert.equal((await get(app, await token({ realm_access: { roles: ['auditor'] } }))).status, 200);
      assert.deepEqual(seen.at(-1)?.roles, ['auditor']);
      assert.equal((await get(app, await token({}, (jwt) => jwt.setIssuedAt(now - 60).setExpirationTime(now - 5)))).status, 200, 'expired 5 s ago is inside 30 s of tolerance');
      expectProblem(await get(app, await token({}, (jwt) => jwt.setIssuedAt(now - 600).setExpirationTime(now - 60))), 401, 'UNAUTHORIZED');
      expectProblem(await get(app, await token({}, (jwt) => jwt.setIssuer('https://c.test'))), 401, 'UNAUTHORIZED');
    });
    await withApp({ jwt: { secret: SECRET, rolesClaim: 'https://example.com/roles' } }, async (app, seen) => {
      assert.equal((await get(app, await sign(new TextEncoder().encode(SECRET), 'HS256', { 'https://example.com/roles': 'owner' }))).status, 200);
      assert.deepEqual(seen.at(-1)?.roles, ['owner']);
    });
  });

  it('refuses API keys when only JWTs are on, and JWTs when only API keys are on', async () => {
    await withApp({ jwt: { secret: SECRET } }, async (app) => {
      const refused = await get(app, `strata_0123456789ab_${'a'.repeat(43)}`, 'x-api-key');
      expectProblem(refused, 401, 'UNAUTHORIZED');
      assert.match(refused.headers.get('www-authenticate')!, /error="invalid_token"/);
    });
    await withApp({ apiKeys: true }, async (app) => {
      expectProblem(await get(app, await sign(new TextEncoder().encode(SECRET), 'HS256')), 401, 'UNAUTHORIZED');
    });
  });

  it('reports option mistakes as bootstrap problems naming the option and the fix', async () => {
    const problems = async (options: unknown): Promise<string[]> => {
      try {
        const strata = await bootstrap(express(), { resources: [Note], database: 'sqlite::memory:', logLevel: 'silent', plugins: [authPlugin(options as AuthOptions)] });
        await strata.close();
      } catch (error) {
        assert.ok(error instanceof BootstrapError, String(error));
        return error.problems;
      }
      return [];
    };
    const cases: [unknown, RegExp][] = [
      [{}, /nothing to check: pass jwt: \{ secret \| publicKey \| jwks \}.*apiKeys: true/],
      [{ jwt: {} }, /option jwt needs a key to verify tokens with: secret \(HS256\), publicKey \(PEM or KeyObject\) or jwks/],
      [{ jwt: { secret: undefined } }, /option jwt\.secret is undefined: is the environment variable you read it from set\?/],
      [{ jwt: { secret: SECRET, jwks: 'https://issuer.test/jwks.json' } }, /option jwt has secret and jwks: give exactly one key source/],
      [{ jwt: { secrte: SECRET } }, /unknown option jwt\.secrte; did you mean secret\?/],
      [{ jwt: { secret: SECRET }, apikeys: true }, /unknown option apikeys; did you mean apiKeys\?/],
      [{ jwt: { secret: 'short' } }, /option jwt\.secret is 5 bytes; an HMAC secret needs at least 32 \(make one with: openssl rand -base64 32\)/],
      [{ jwt: { secret: SECRET, algorithms: ['HS256', 'none'] } }, /option jwt\.algorithms must be a non-empty list of .*; got none/],
      [{ jwt: { secret: SECRET, clockTolerance: 'soon' } }, /option jwt\.clockTolerance must be seconds/],
      [{ jwt: { secret: SECRET, audience: [] } }, /option jwt\.audience must be a non-empty string or a list of them/],
      [{ jwt: { publicKey: 'not a key' } }, /option jwt\.publicKey is not a public key Node can read/],
      [{ jwt: { jwks: join(tmpdir(), 'no-such-jwks.json') } }, /option jwt\.jwks: cannot read a key set from .*no-such-jwks\.json \(ENOENT\)/],
      [{ apiKeys: 'yes' }, /option apiKeys must be true or false/],
    ];
    for (const [options, expected] of cases) {
      const found = await problems(options);
      assert.ok(found.some((problem) => expected.test(problem)), `${JSON.stringify(options)}: ${found.join(' | ') || 'no problem'}`);
      assert.ok(found.every((problem) => problem.startsWith('auth')), `problems name the plugin: ${found.join(' | ')}`);
    }
  });
});

import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Length } from 'class-validator';
import { authPlugin, definePlugin, isStrataError, Resource, type ApiKeysService, type CurrentUser } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { graphql } from '../support/graphql.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';

@Resource()
class Task {
  @Length(1, 100) title!: string;
}

const CLI = fileURLToPath(new URL('../../bin/strata.js', import.meta.url));
const run = promisify(execFile);

/** Runs `strata <args>` as a child process, as a user would; never throws, returns the exit code and output. */
async function strataCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Records the user of every create, as hooks see it. */
function recorder(seen: (CurrentUser | null)[]) {
  return definePlugin({ name: 'recorder', configure({ hooks }) { hooks.before('create', (context) => { seen.push(context.user ?? null); }); } });
}

/** The secret part of a key (it may hold `_` itself). */
const secretOf = (key: string) => key.slice('strata_'.length + 13);

const withKey = (key: string, header: 'authorization' | 'x-api-key') => ({ [header]: header === 'authorization' ? `Bearer ${key}` : key });

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`auth plugin, API keys: ${backend.name}`, () => {
    let app: TestApp;
    let dispose: () => Promise<void>;
    let keys: ApiKeysService;
    const seen: (CurrentUser | null)[] = [];
    before(async () => {
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Task], { database: database.url, logLevel: 'error', plugins: [authPlugin({ apiKeys: true }), recorder(seen)] });
      keys = app.strata.service<ApiKeysService>('apiKeys');
    });
    after(async () => {
      await app?.close();
      await dispose?.();
    });

    it('authenticates a key sent as Authorization: Bearer and as X-Api-Key: the user is apikey:<id> with the key\'s roles', async () => {
      const created = await keys.create({ name: 'ci', roles: ['admin', 'editor'] });
      assert.match(created.key, /^strata_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.key.split('_')[1], created.prefix);
      for (const header of ['authorization', 'x-api-key'] as const) {
        const response = await app.request('POST', '/tasks', { body: { title: `via ${header}` }, headers: withKey(created.key, header) });
        assert.equal(response.status, 201, response.text);
        assert.equal(response.body._meta.createdBy, `apikey:${created.id}`);
        assert.deepEqual(seen.at(-1), { id: `apikey:${created.id}`, roles: ['admin', 'editor'], claims: { apiKey: 'ci' } });
      }
      const viaGraphql = await graphql(app, 'mutation { createTask(input: { title: "via GraphQL" }) { _meta { createdBy } } }', { headers: withKey(created.key, 'x-api-key') });
      assert.equal(viaGraphql.body.data.createTask._meta.createdBy, `apikey:${created.id}`);
      const [listed] = (await keys.list()).filter((key) => key.id === created.id);
      assert.ok(listed.lastUsedAt, 'lastUsedAt is set once the key is used');
    });

    it('lists keys without the key or its hash, revoked ones too', async () => {
      const created = await keys.create({ name: 'listed', roles: ['reader'] });
      const list = await keys.list();
      const text = JSON.stringify(list);
      assert.ok(!text.includes(secretOf(created.key)), 'the secret part never appears');
      assert.doesNotMatch(text, /hash|"key"/);
      const entry = list.find((key) => key.id === created.id)!;
      assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'roles']);
      assert.deepEqual([entry.name, entry.roles, entry.revokedAt, entry.lastUsedAt], ['listed', ['reader'], null, null]);
    });

    it('refuses a revoked, unknown or malformed key, or two credentials at once, with 401 and writes nothing', async () => {
      const revoked = await keys.create({ name: 'to-revoke' });
      assert.equal((await app.request('GET', '/tasks', { headers: withKey(revoked.key, 'x-api-key') })).status, 200);
      const done = await keys.revoke('to-revoke');
      assert.ok(done.revokedAt);
      assert.deepEqual(await keys.revoke(revoked.id), done, 'revoking again changes nothing');
      const prefix = revoked.prefix;
      const forged = `strata_${prefix}_${'A'.repeat(43)}`;
      const unknown = `strata_${'0'.repeat(12)}_${'B'.repeat(43)}`;
      const before = (await app.request('GET', '/tasks/_count')).body.count;
      const cases: [string, Record<string, string>, string][] = [
        ['revoked (Bearer)', withKey(revoked.key, 'authorization'), 'the API key was revoked'],
        ['revoked (X-Api-Key)', withKey(revoked.key, 'x-api-key'), 'the API key was revoked'],
        ['a known prefix with another secret', withKey(forged, 'x-api-key'), 'the API key is not known'],
        ['unknown (Bearer)', withKey(unknown, 'authorization'), 'the API key is not known'],
        ['unknown (X-Api-Key)', withKey(unknown, 'x-api-key'), 'the API key is not known'],
        ['malformed', { 'x-api-key': 'strata_nope' }, 'the API key is malformed'],
        ['both headers', { ...withKey(unknown, 'authorization'), 'x-api-key': unknown }, 'send one credential: Authorization or X-Api-Key, not both'],
      ];
      for (const [name, headers, detail] of cases) {
        const refused = await app.request('POST', '/tasks', { body: { title: name }, headers });
        expectProblem(refused, 401, 'UNAUTHORIZED');
        assert.equal(refused.body.detail, detail, name);
        assert.match(refused.headers.get('www-authenticate')!, /^Bearer realm="strata", error="invalid_(token|request)"/, name);
      }
      assert.equal((await app.request('GET', '/tasks/_count')).body.count, before);
    });

    it('refuses a bad name or roles, a second key of a name in use, and revoking what does not exist', async () => {
      const refusal = async (work: Promise<unknown>) => work.then(() => assert.fail('accepted'), (error: unknown) => {
        assert.ok(isStrataError(error), String(error));
        return error;
      });
      assert.equal((await refusal(keys.create({ name: 'has space' }))).code, 'VALIDATION_FAILED');
      assert.equal((await refusal(keys.create({ name: 'roles', roles: ['a,b'] }))).code, 'VALIDATION_FAILED');
      await keys.create({ name: 'deploy' });
      assert.equal((await refusal(keys.create({ name: 'deploy' }))).code, 'CONFLICT');
      await keys.revoke('deploy');
      assert.equal((await keys.create({ name: 'deploy' })).name, 'deploy', 'a name is free again once its key is revoked');
      assert.equal((await refusal(keys.revoke('nobody'))).code, 'NOT_FOUND');
    });

    it('documents the bearer and X-Api-Key schemes', async () => {
      const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json() as any;
      assert.deepEqual(document.components.securitySchemes, {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key in `Authorization: Bearer <token>`.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An API key made with `strata api-keys create`.' },
      });
      assert.deepEqual(document.security, [{}, { bearer: [] }, { apiKey: [] }]);
    });
  });
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-memory')) {
  describe(`strata api-keys (the CLI): ${backend.name}`, () => {
    let url: string;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ url, dispose } = await backend.create());
    });
    after(async () => {
      await dispose?.();
    });

    it('creates a key printed once that an app on the same database accepts, lists it without secrets, and revokes it', async () => {
      const created = await strataCli(['api-keys', 'create', '--name', 'ci', '--roles', 'admin,editor', '--database', url]);
      assert.equal(created.code, 0, created.stderr);
      const key = /^(strata_[0-9a-f]{12}_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
      assert.ok(key, created.stdout);
      assert.match(created.stdout, /Created API key ci \(id [0-9a-f-]{36}, roles: admin, editor\)\. It is shown this once:/);

      const app = await startApp([Task], { database: url, logLevel: 'error', plugins: [authPlugin({ apiKeys: true })] });
      try {
        const id = /id ([0-9a-f-]{36})/.exec(created.stdout)![1];
        const response = await app.request('POST', '/tasks', { body: { title: 'From CI' }, headers: { 'x-api-key': key } });
        assert.equal(response.status, 201, response.text);
        assert.equal(response.body._meta.createdBy, `apikey:${id}`);

        // STRATA_DATABASE_URL finds the database as the app does.
        const listed = await strataCli(['api-keys', 'list', '--json'], { STRATA_DATABASE_URL: url });
        assert.equal(listed.code, 0, listed.stderr);
        const list = JSON.parse(listed.stdout) as { id: string; name: string; roles: string[]; lastUsedAt: string | null }[];
        assert.deepEqual(list.map((entry) => [entry.id, entry.name, entry.roles]), [[id, 'ci', ['admin', 'editor']]]);
        assert.ok(list[0].lastUsedAt);
        const human = await strataCli(['api-keys', 'list', '--database', url]);
        for (const output of [listed.stdout, human.stdout]) assert.ok(!output.includes(secretOf(key)), 'list shows no secret');
        assert.match(human.stdout, new RegExp(`${id}  ci  roles: admin,editor  strata_${key.split('_')[1]}_…`));

        const again = await strataCli(['api-keys', 'create', '--name', 'ci', '--database', url]);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /an API key named ci exists; revoke it first/);

        const revoked = await strataCli(['api-keys', 'revoke', 'ci', '--database', url]);
        assert.equal(revoked.code, 0, revoked.stderr);
        assert.match(revoked.stdout, new RegExp(`Revoked API key ci \\(id ${id}\\)`));
        expectProblem(await app.request('GET', '/tasks', { headers: { 'x-api-key': key } }), 401, 'UNAUTHORIZED');
      } finally {
        await app.close();
      }
    });

    it('explains its usage and exits 2 on a usage mistake', async () => {
      for (const args of [['api-keys'], ['api-keys', 'create'], ['api-keys', 'revoke'], ['api-keys', 'rotate'], ['api-keys', 'list', '--bogus']]) {
        const result = await strataCli(args, { STRATA_DATABASE_URL: url });
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, /Usage: strata api-keys create --name <name>/);
      }
    });
  });
}

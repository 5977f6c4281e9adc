import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { permissionsPlugin, type CurrentUser, type ResourceView } from '../../index.js';
import { Article } from '../../samples/permissions/src/models.js';
import { BACKENDS } from '../support/backends.js';
import { graphql as graphqlRequest } from '../support/graphql.js';
import { startApp, type TestApp } from '../support/http.js';

/**
 * The authorization matrix of samples/permissions: every persona (anonymous included) × every
 * action × an article inside and one outside their scopes, over REST and GraphQL. The expected
 * answer of each cell comes from ORACLE below — the sample's policy restated by hand as plain data
 * and evaluated in memory, independently of the SQL the permissions plugin generates. A refused
 * call must leave the article exactly as it was.
 */

type Persona = { name: string; user: CurrentUser | null };
const PERSONAS: Persona[] = [
  { name: 'anonymous', user: null },
  { name: 'signed-in, no role', user: { id: 'u-plain', roles: [] } },
  { name: 'admin', user: { id: 'u-admin', roles: ['admin'] } },
  { name: 'editor', user: { id: 'u-editor', roles: ['editor'] } },
  { name: 'author (owner of A)', user: { id: 'u-author', roles: ['author'] } },
  { name: 'reviewer', user: { id: 'u-reviewer', roles: ['reviewer'] } },
  { name: 'member of team red', user: { id: 'u-red', roles: ['member'], teamId: 'red' } },
  { name: 'member without team', user: { id: 'u-loner', roles: ['member'] } },
];

/** A: stable, team red, by u-author. B: a draft, team blue, by u-other. */
type Variant = 'A' | 'B';
const VARIANTS: Record<Variant, { status: 'stable' | 'draft'; teamId: string; createdBy: string }> = {
  A: { status: 'stable', teamId: 'red', createdBy: 'u-author' },
  B: { status: 'draft', teamId: 'blue', createdBy: 'u-other' },
};

type Scope = (variant: Variant, user: CurrentUser | null) => boolean;
const everything: Scope = () => true;
const ORACLE: { roles: string[]; actions: string[] | '*'; scope: Scope }[] = [
  { roles: ['admin'], actions: '*', scope: everything },
  { roles: ['editor'], actions: ['read', 'list', 'history', 'create', 'update', 'publish'], scope: everything },
  { roles: ['author'], actions: ['read', 'list', 'create'], scope: everything },
  { roles: ['author'], actions: ['update', 'delete', 'history'], scope: (variant, user) => VARIANTS[variant].createdBy === user?.id },
  { roles: ['reviewer'], actions: ['read', 'list', 'history', 'publish'], scope: everything },
  { roles: ['member'], actions: ['read', 'list', 'update'], scope: (variant, user) => typeof user?.teamId === 'string' && VARIANTS[variant].teamId === user.teamId },
  { roles: ['anyone'], actions: ['read', 'list'], scope: (variant) => VARIANTS[variant].status === 'stable' },
];

function rolesOf(user: CurrentUser | null): string[] {
  return user ? ['anyone', 'authenticated', ...(user.roles ?? [])] : ['anyone'];
}

function grants(user: CurrentUser | null, action: string) {
  return ORACLE.filter((rule) => (rule.actions === '*' || rule.actions.includes(action)) && rule.roles.some((role) => rolesOf(user).includes(role)));
}

/** 'ok', or the status a refusal has: 401 (anonymous), 403 (no such right), 404 (cannot see it). */
type Outcome = 'ok' | 401 | 403 | 404;
function expectedOnOne(user: CurrentUser | null, action: string, variant: Variant): Outcome {
  const granting = grants(user, action);
  if (granting.length === 0) return user ? 403 : 401;
  if (!grants(user, 'read').some((rule) => rule.scope(variant, user))) return 404;
  return granting.some((rule) => rule.scope(variant, user)) ? 'ok' : 403;
}
function expectedOnCollection(user: CurrentUser | null, action: string): Outcome {
  return grants(user, action).length > 0 ? 'ok' : user ? 403 : 401;
}
function listedVariants(user: CurrentUser | null): Variant[] {
  return (['A', 'B'] as const).filter((variant) => grants(user, 'list').some((rule) => rule.scope(variant, user)));
}

const ONE_RESOURCE_ACTIONS = ['read', 'history', 'update', 'patch', 'delete', 'restore', 'purge', 'switch', 'publish'] as const;
type OneAction = typeof ONE_RESOURCE_ACTIONS[number];
const ACTION_OF: Record<OneAction, string> = {
  read: 'read', history: 'history', update: 'update', patch: 'update', delete: 'delete', restore: 'restore', purge: 'purge', switch: 'switch', publish: 'publish',
};

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`permissions matrix of samples/permissions: ${backend.name}`, () => {
    let app: TestApp;
    let database: { url: string; dispose(): Promise<void> };
    let cells = 0;
    before(async () => {
      database = await backend.create();
      app = await startApp([Article], {
        database: database.url,
        // The caller is the JSON in X-Test-User (the app's own currentUser; authentication has its own suite).
        currentUser: (request) => {
          const header = (request as Request).header('X-Test-User');
          return header ? JSON.parse(header) as CurrentUser : null;
        },
        plugins: [permissionsPlugin()],
      });
    });
    after(async () => {
      console.log(`# ${backend.name}: authorization matrix of ${cells} cells (personas × actions × in/out of scope × REST/GraphQL)`);
      await app?.close();
      await database?.dispose();
    });

    const headersOf = (persona: Persona): Record<string, string> => (persona.user ? { 'X-Test-User': JSON.stringify(persona.user) } : {});

    /** A fresh article of `variant`, stored by the system as its author. */
    async function article(variant: Variant): Promise<ResourceView> {
      const { teamId, createdBy, status } = VARIANTS[variant];
      return app.strata.manager(Article).create({ title: `Article ${variant}`, teamId, notes: 'internal' },
        { user: { id: createdBy }, draft: status === 'draft' });
    }

    /** The stored state that a refused call must leave untouched (read as the system). */
    async function snapshot(id: string): Promise<unknown> {
      const [current] = (await app.strata.manager(Article).list({ where: { id }, deleted: 'include' })).items;
      return current ?? null;
    }

    async function rest(persona: Persona, action: OneAction, target: ResourceView) {
      const path = `/articles/${target.id}`;
      const headers = headersOf(persona);
      const body = { title: 'Changed', teamId: target.teamId };
      switch (action) {
        case 'read': return app.request('GET', path, { headers });
        case 'history': return app.request('GET', `${path}/revisions`, { headers });
        case 'update': return app.request('PUT', path, { headers, body });
        case 'patch': return app.request('PATCH', path, { headers: { ...headers, 'Content-Type': 'application/merge-patch+json' }, rawBody: JSON.stringify({ title: 'Patched' }) });
        case 'delete': return app.request('DELETE', path, { headers });
        case 'restore': return app.request('POST', `${path}/restore`, { headers });
        case 'purge': return app.request('DELETE', `${path}?purge=true`, { headers });
        case 'switch': return app.request('POST', `${path}/switch/1`, { headers });
        case 'publish': return app.request('POST', `${path}/publish`, { headers });
      }
    }

    async function graphql(persona: Persona, action: OneAction, target: ResourceView): Promise<{ data: any; errors?: { extensions?: { code?: string } }[] }> {
      const documents: Record<OneAction, string> = {
        read: 'query($id: ID!) { result: article(id: $id) { id } }',
        history: 'query($id: ID!) { result: articleDiff(id: $id, from: 1, to: 1) { op } }',
        update: 'mutation($id: ID!, $teamId: String!) { result: updateArticle(id: $id, input: { title: "Changed", teamId: $teamId }) { id } }',
        patch: 'mutation($id: ID!) { result: patchArticle(id: $id, patch: { title: "Patched" }) { id } }',
        delete: 'mutation($id: ID!) { result: deleteArticle(id: $id) }',
        restore: 'mutation($id: ID!) { result: restoreArticle(id: $id) { id } }',
        purge: 'mutation($id: ID!) { result: purgeArticle(id: $id) }',
        switch: 'mutation($id: ID!) { result: switchArticle(id: $id, revision: 1) { id } }',
        publish: 'mutation($id: ID!) { result: publishArticle(id: $id) { id } }',
      };
      const variables = action === 'update' ? { id: target.id, teamId: target.teamId } : { id: target.id };
      return (await graphqlRequest(app, documents[action], { headers: headersOf(persona), variables })).body as any;
    }

    const GRAPHQL_CODES: Record<string, Outcome> = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

    for (const persona of PERSONAS) {
      it(`${persona.name}: every action on one article, in and out of scope, over REST and GraphQL`, async () => {
        const unexpected: string[] = [];
        for (const action of ONE_RESOURCE_ACTIONS) {
          for (const variant of ['A', 'B'] as const) {
            const expected = expectedOnOne(persona.user, ACTION_OF[action], variant);
            for (const transport of ['REST', 'GraphQL'] as const) {
              cells++;
              const target = await article(variant);
              const before = await snapshot(target.id);
              let outcome: Outcome | string;
              if (transport === 'REST') {
                const response = await rest(persona, action, target);
                // Publishing a stable article is allowed but has nothing to publish: 409.
                const allowed = response.status < 300 || (action === 'publish' && variant === 'A' && response.status === 409);
                outcome = allowed ? 'ok' : [401, 403, 404].includes(response.status) ? response.status as Outcome : `status ${response.status} ${response.text}`;
                if (response.status === 401) assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="strata"');
              } else {
                const body = await graphql(persona, action, target);
                const code = body.errors?.[0]?.extensions?.code;
                outcome = code === undefined || (action === 'publish' && variant === 'A' && code === 'CONFLICT') ? 'ok' : GRAPHQL_CODES[code] ?? `code ${code}`;
                if (code !== undefined && outcome !== 'ok') assert.equal(body.data?.result ?? null, null, 'a refused field is null');
              }
              if (outcome !== expected) unexpected.push(`${transport} ${action} on ${variant}: expected ${expected}, got ${outcome}`);
              if (outcome !== 'ok') assert.deepEqual(await snapshot(target.id), before, `${transport} ${action} on ${variant} was refused but changed the article`);
            }
          }
        }
        assert.deepEqual(unexpected, [], `${persona.name}: unexpected allows or denies`);
      });

      it(`${persona.name}: list, count, create, export and import`, async () => {
        const unexpected: string[] = [];
        const headers = headersOf(persona);
        const pair = { A: await article('A'), B: await article('B') };
        const listed = listedVariants(persona.user);
        // List and count (REST and GraphQL): only what the caller may list, totals included.
        const where = encodeURIComponent(JSON.stringify({ id: { in: [pair.A.id, pair.B.id] } }));
        const list = await app.request('GET', `/articles?filter=${where}&total=true`, { headers });
        const count = await app.request('GET', `/articles/_count?filter=${where}`, { headers });
        const gql = (await graphqlRequest(app, 'query($ids: [ID!]) { result: articles(where: { id: { in: $ids } }, total: true) { items { id } total } }',
          { headers, variables: { ids: [pair.A.id, pair.B.id] } })).body as any;
        const expectedList = expectedOnCollection(persona.user, 'list');
        cells += 3;
        if (expectedList === 'ok') {
          const want = listed.map((variant) => pair[variant].id).sort();
          const got = (list.body.items ?? []).map((item: ResourceView) => item.id).sort();
          if (JSON.stringify(got) !== JSON.stringify(want) || list.body.total !== want.length) unexpected.push(`REST list: expected ${want.length} items, got ${list.status} ${JSON.stringify(got)} total ${list.body.total}`);
          if (count.body.count !== want.length) unexpected.push(`REST count: expected ${want.length}, got ${count.status} ${JSON.stringify(count.body)}`);
          const gotGraphql = (gql.data?.result?.items ?? []).map((item: { id: string }) => item.id).sort();
          if (JSON.stringify(gotGraphql) !== JSON.stringify(want) || gql.data?.result?.total !== want.length) unexpected.push(`GraphQL list: expected ${want.length}, got ${JSON.stringify(gql)}`);
        } else {
          if (list.status !== expectedList) unexpected.push(`REST list: expected ${expectedList}, got ${list.status}`);
          if (count.status !== expectedList) unexpected.push(`REST count: expected ${expectedList}, got ${count.status}`);
          if (GRAPHQL_CODES[gql.errors?.[0]?.extensions?.code] !== expectedList) unexpected.push(`GraphQL list: expected ${expectedList}, got ${JSON.stringify(gql.errors)}`);
        }
        // Create (REST and GraphQL).
        const expectedCreate = expectedOnCollection(persona.user, 'create');
        const created = await app.request('POST', '/articles', { headers, body: { title: 'New', teamId: 'red' } });
        const createdGraphql = (await graphqlRequest(app, 'mutation { result: createArticle(input: { title: "New", teamId: "red" }) { id } }', { headers })).body as any;
        cells += 2;
        const restCreate = created.status === 201 ? 'ok' : created.status;
        const graphqlCreate = createdGraphql.errors ? GRAPHQL_CODES[createdGraphql.errors[0].extensions?.code] ?? createdGraphql.errors[0].extensions?.code : 'ok';
        if (restCreate !== expectedCreate) unexpected.push(`REST create: expected ${expectedCreate}, got ${restCreate}`);
        if (graphqlCreate !== expectedCreate) unexpected.push(`GraphQL create: expected ${expectedCreate}, got ${graphqlCreate}`);
        // Export: only admins; it holds what they may read.
        const expectedExport = expectedOnCollection(persona.user, 'export');
        const exported = await app.request('GET', '/articles/_export', { headers });
        cells++;
        const exportOutcome = exported.status === 200 ? 'ok' : exported.status;
        if (exportOutcome !== expectedExport) unexpected.push(`REST export: expected ${expectedExport}, got ${exportOutcome}`);
        // Import: only admins; a refused import stores nothing.
        const expectedImport = expectedOnCollection(persona.user, 'import');
        const record = exported.status === 200 ? exported.text.split('\n')[0] : (await app.request('GET', '/articles/_export', { headers: headersOf(PERSONAS[2]) })).text.split('\n')[0];
        const imported = await app.request('POST', '/articles/_import', { headers: { ...headers, 'Content-Type': 'application/x-ndjson' }, rawBody: record.replace(/"id":"[^"]+"/, '"id":"imported-' + persona.name.replace(/\W+/g, '-') + '"') });
        cells++;
        const importOutcome = imported.status < 300 ? 'ok' : imported.status;
        if (importOutcome !== expectedImport) unexpected.push(`REST import: expected ${expectedImport}, got ${importOutcome} ${imported.text}`);
        assert.deepEqual(unexpected, [], `${persona.name}: unexpected allows or denies`);
      });
    }
  });
}

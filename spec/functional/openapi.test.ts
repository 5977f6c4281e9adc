import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';
import {
  ArrayMaxSize, IsBoolean, IsDate, IsEmail, IsEnum, IsInt, IsNumber, IsOptional, IsPositive, IsString, Length, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { getMetadataArgsStorage } from 'routing-controllers';
import { bootstrap, BootstrapError, Field, Indexed, openApiPlugin, Resource, restPlugin, Versioned, type Strata, type StrataPlugin } from '../../index.js';
import { compileOpenApiChecker, type OpenApiChecker } from '../support/openapi-check.js';

enum Role { Admin = 'admin', Editor = 'editor' }

class PostalAddress {
  @IsString() @Length(1, 80) street!: string;
  @IsOptional() @IsString() @Length(2, 2) country?: string;
}

class GeoPoint {
  @IsNumber() latitude!: number;
  @IsNumber() longitude!: number;
}

/** Enums, arrays, a validated nested class, optional fields, dates, integers and numbers. */
@Resource({ description: 'Someone who writes.' })
@Versioned({ drafts: true })
class Author {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
  @IsOptional() @Length(0, 2000) bio?: string;
  @Indexed() @IsEnum(Role) role!: Role;
  @Field(() => [String]) @IsString({ each: true }) @MaxLength(20, { each: true }) @ArrayMaxSize(10) tags!: string[];
  @Field(() => PostalAddress) @ValidateNested() address!: PostalAddress;
  @Indexed() @IsOptional() @IsDate() birthday?: Date;
  @IsPositive() rating!: number;
  @IsBoolean() active!: boolean;
  @Field('json', { optional: true }) settings?: Record<string, unknown>;
}

/** No drafts, a full-text field, and an array of nested objects checked without @ValidateNested. */
@Resource({ path: 'notes' })
class Note {
  @Indexed({ text: true }) @IsString() title!: string;
  @Field(() => [GeoPoint]) places!: GeoPoint[];
}

const addFormats = addFormatsModule.default;

interface Running {
  baseUrl: string;
  strata: Strata;
  close(): Promise<void>;
}

async function start(plugins: StrataPlugin[] = [restPlugin(), openApiPlugin()], resources: Function[] = [Author, Note]): Promise<Running> {
  const app = express();
  const strata = await bootstrap(app, { resources, database: 'sqlite::memory:', plugins, logLevel: 'silent' });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    strata,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await strata.close();
    },
  };
}

/** `GET /authors/:id` → `get /authors/{id}`, for every action of the newest controller of each collection. */
function mountedOperations(collections: string[]): Set<string> {
  const storage = getMetadataArgsStorage();
  const operations = new Set<string>();
  for (const collection of collections) {
    const controller = storage.controllers.findLast((candidate) => candidate.route === collection)!;
    for (const action of storage.filterActionsWithTarget(controller.target)) {
      const path = `${collection}${String(action.route)}`.replace(/:(\w+)/g, '{$1}');
      operations.add(`${action.type} ${path}`);
    }
  }
  return operations;
}

const author = (overrides: Record<string, unknown> = {}) => ({
  name: 'Ada', email: `ada-${Math.random().toString(36).slice(2)}@example.com`, age: 36, role: 'admin', tags: ['maths'],
  address: { street: '12 St James Square', country: 'GB' }, birthday: '1815-12-10', rating: 4.5, active: true, ...overrides,
});

describe('OpenAPI plugin', () => {
  let running: Running;
  let document: any;
  let check: OpenApiChecker;

  before(async () => {
    running = await start();
    const response = await fetch(`${running.baseUrl}/openapi.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    document = await response.json();
    check = compileOpenApiChecker(document);
  });
  after(async () => { await running.close(); });

  /** Sends a request, checks the exchange against the document and returns it. */
  async function exchange(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
    const headers = { ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...init.headers };
    const response = await fetch(`${running.baseUrl}${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await response.text();
    const body = /^application\/(.+\+)?json/.test(response.headers.get('content-type') ?? '') && text ? JSON.parse(text) : text;
    const result = { method, path, status: response.status, headers: response.headers, body };
    check(result);
    return result;
  }

  describe('GET /openapi.json', () => {
    it('is a valid OpenAPI 3.1 document by @seriousme/openapi-schema-validator', async () => {
      assert.equal(document.openapi, '3.1.0');
      const result = await new Validator().validate(structuredClone(document));
      assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 2));
      assert.equal(result.valid, true);
    });

    it('has component schemas that compile under Ajv 2020-12 in strict mode', () => {
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
      addFormats(ajv);
      const schemas = JSON.parse(JSON.stringify(document.components.schemas).replaceAll('"#/components/schemas/', '"urn:strata:test-schemas#/$defs/'));
      ajv.addSchema({ $id: 'urn:strata:test-schemas', $defs: schemas });
      for (const name of Object.keys(document.components.schemas)) assert.doesNotThrow(() => ajv.getSchema(`urn:strata:test-schemas#/$defs/${name}`), name);
    });

    it('gives every operation a unique, stable operationId, a summary and the resource tag', () => {
      const operations = Object.values(document.paths).flatMap((item: any) => Object.values(item)) as any[];
      const ids = operations.map((operation) => operation.operationId);
      assert.equal(new Set(ids).size, ids.length, `duplicates in ${ids.join(', ')}`);
      for (const id of ['createAuthor', 'listAuthors', 'searchAuthors', 'countAuthors', 'bulkCreateAuthors', 'exportAuthors', 'importAuthors',
        'getAuthor', 'replaceAuthor', 'patchAuthor', 'deleteAuthor', 'restoreAuthor', 'listAuthorRevisions', 'getAuthorRevision',
        'diffAuthor', 'switchAuthor', 'publishAuthor', 'createNote', 'listNotes']) {
        assert.ok(ids.includes(id), `missing ${id}`);
      }
      for (const operation of operations) {
        assert.ok(operation.summary, operation.operationId);
        assert.equal(operation.tags.length, 1);
      }
    });

    it('describes exactly the routes routing-controllers mounted: REST and OpenAPI read the same operation table', () => {
      const documented = new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method} ${path}`)));
      // Besides the operations, the routes plugins describe themselves: the health plugin's probes.
      assert.deepEqual([...documented].sort(), [...mountedOperations(['/authors', '/notes']), 'get /_health', 'get /_ready'].sort());
    });

    it('puts the class-validator constraints into <Name>Input, with types from the model', () => {
      const input = document.components.schemas.AuthorInput;
      assert.equal(input.additionalProperties, false);
      assert.deepEqual(input.required, ['name', 'email', 'role', 'tags', 'address', 'rating', 'active']);
      assert.deepEqual(input.properties.name, { type: 'string', minLength: 1, maxLength: 100 });
      assert.deepEqual(input.properties.email, { type: 'string', format: 'email' });
      assert.deepEqual(input.properties.age, { type: ['integer', 'null'], minimum: 0 });
      assert.deepEqual(input.properties.role, { type: 'string', enum: ['admin', 'editor'] });
      assert.deepEqual(input.properties.tags, { type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 10 });
      assert.deepEqual(input.properties.rating, { type: 'number', exclusiveMinimum: 0 });
      assert.equal(input.properties.active.type, 'boolean');
      assert.deepEqual(input.properties.birthday.type, ['string', 'null']);
      assert.deepEqual(input.properties.birthday.anyOf, [{ format: 'date-time' }, { format: 'date' }]);
      assert.deepEqual(input.properties.address, {
        title: 'PostalAddress', type: 'object', additionalProperties: false, required: ['street'],
        properties: { street: { type: 'string', minLength: 1, maxLength: 80 }, country: { type: ['string', 'null'], minLength: 2, maxLength: 2 } },
      });
      // class-validator does not check GeoPoint without @ValidateNested, so its shape is given but no rules are promised.
      assert.deepEqual(document.components.schemas.NoteInput.properties.places.items.properties.latitude, { type: 'number' });
    });

    it('describes responses by type: <Name>, <Name>Patch, <Name>Page, <Name>Export and the shared schemas', () => {
      const { schemas } = document.components;
      assert.deepEqual(schemas.Author.required, ['id', 'name', 'email', 'role', 'tags', 'address', 'rating', 'active', '_meta']);
      assert.deepEqual(schemas.Author.properties._meta, { $ref: '#/components/schemas/ResourceMeta' });
      assert.deepEqual(schemas.Author.properties.birthday, { type: ['string', 'null'], format: 'date-time' });
      assert.deepEqual(schemas.Author.properties.name, { type: 'string' });
      assert.equal(schemas.Author.description, 'Someone who writes.');
      assert.equal(schemas.AuthorPatch.required, undefined);
      assert.equal(schemas.AuthorPatch.properties.address.required, undefined);
      assert.deepEqual(schemas.AuthorPage.required, ['items', 'nextCursor']);
      assert.deepEqual(schemas.AuthorPage.properties.nextCursor.type, ['string', 'null']);
      assert.ok(schemas.AuthorExport.properties.revisions);
      for (const name of ['ResourceMeta', 'Revision', 'RevisionWithData', 'RevisionPage', 'JsonPatch', 'Problem', 'AuthorWhere', 'AuthorQuery']) assert.ok(schemas[name], name);
      assert.deepEqual(schemas.Problem.properties.code.enum, [
        'BAD_REQUEST', 'VALIDATION_FAILED', 'BAD_QUERY', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'GONE', 'CONFLICT', 'UNIQUE_VIOLATION',
        'PRECONDITION_FAILED', 'PRECONDITION_REQUIRED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE',
      ]);
      assert.deepEqual(Object.keys(schemas.AuthorWhere.properties.age.anyOf[1].properties), ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists', 'isNull']);
    });

    it('describes parameters, headers, bodies and problem responses per route', () => {
      const item = document.paths['/authors/{id}'];
      const names = (operation: any) => operation.parameters.map((parameter: any) => parameter.name ?? parameter.$ref.split('/').pop());
      assert.deepEqual(names(item.get), ['id', 'revision', 'asOf', 'IfNoneMatch', 'RequestId']);
      assert.deepEqual(names(item.put), ['id', 'draft', 'IfMatch', 'RequestId']);
      assert.deepEqual(names(item.delete), ['id', 'purge', 'IfMatch', 'RequestId']);
      assert.deepEqual(Object.keys(item.patch.requestBody.content), ['application/json-patch+json', 'application/merge-patch+json', 'application/json']);
      assert.deepEqual(Object.keys(item.put.responses), ['200', '400', '404', '409', '410', '412', '413', '415', '422', '500', 'default']);
      assert.deepEqual(Object.keys(item.get.responses), ['200', '304', '400', '404', '410', '500', 'default']);
      const list = document.paths['/authors'].get;
      const where = list.parameters.find((parameter: any) => parameter.name === 'where');
      assert.deepEqual([where.style, where.explode], ['deepObject', true]);
      for (const name of ['filter', 'sort', 'limit', 'offset', 'cursor', 'fields', 'deleted', 'total']) assert.ok(names(list).includes(name), name);
      assert.ok(!names(list).includes('q'), 'Author has no text field, so no q');
      assert.ok(names(document.paths['/notes'].get).includes('q'));
      assert.ok(!names(document.paths['/notes'].post).includes('draft'), 'Note keeps no drafts');
      const created = document.paths['/authors'].post.responses['201'];
      assert.deepEqual(Object.keys(created.headers), ['Location', 'ETag', 'X-Request-Id']);
      assert.deepEqual(Object.keys(document.paths['/authors/_import'].post.requestBody.content), ['application/x-ndjson', 'application/jsonl']);
      assert.deepEqual(document.paths['/authors/{id}/revisions/{n}'].get.parameters[1].schema, { type: 'integer', minimum: 1 });
    });
  });

  describe('real exchanges validate against the document', () => {
    it('create 201, get 200, 304, list, search, count, patch, revisions, diff and export', async () => {
      const created = await exchange('POST', '/authors', { body: author() });
      assert.equal(created.status, 201);
      const id = (created.body as any).id;
      const read = await exchange('GET', `/authors/${id}`);
      assert.equal(read.status, 200);
      const notModified = await exchange('GET', `/authors/${id}`, { headers: { 'If-None-Match': read.headers.get('etag')! } });
      assert.equal(notModified.status, 304);
      assert.equal((await exchange('GET', '/authors?where[age][gte]=18&sort=-age,name&total=true')).status, 200);
      assert.equal((await exchange('GET', '/authors?fields=name')).status, 200);
      assert.equal((await exchange('POST', '/authors/_search', { body: { where: { role: 'admin' }, limit: 5 } })).status, 200);
      assert.equal((await exchange('GET', '/authors/_count?where[role]=admin')).status, 200);
      const patched = await exchange('PATCH', `/authors/${id}`, { body: { bio: 'Wrote the first program', age: null } });
      assert.equal(patched.status, 200);
      assert.equal((await exchange('GET', `/authors/${id}/revisions`)).status, 200);
      assert.equal((await exchange('GET', `/authors/${id}/revisions/1`)).status, 200);
      assert.equal((await exchange('GET', `/authors/${id}/diff?from=1&to=2`)).status, 200);
      assert.equal((await exchange('POST', `/authors/${id}/switch/1`)).status, 200);
      const exported = await exchange('GET', '/authors/_export');
      assert.equal(exported.status, 200);
      assert.match(exported.headers.get('content-type')!, /^application\/x-ndjson/);
      assert.equal((await exchange('DELETE', `/authors/${id}`)).status, 204);
      assert.equal((await exchange('GET', `/authors/${id}`)).status, 410);
    });

    it('404, 422, 400 and 415 problems', async () => {
      assert.equal((await exchange('GET', '/authors/no-such-id')).status, 404);
      const invalid = await exchange('POST', '/authors', { body: author({ email: 'not an email', extra: 1 }) });
      assert.equal(invalid.status, 422);
      assert.match(invalid.headers.get('content-type')!, /^application\/problem\+json/);
      // The nested rule the schema states (country: maxLength 2) is one the server enforces.
      assert.equal((await exchange('POST', '/authors', { body: author({ address: { street: 'x', country: 'GBR' } }) })).status, 422);
      assert.equal((await exchange('GET', '/authors?where[nope]=1')).status, 400);
      const created = await exchange('POST', '/authors', { body: author() });
      const wrongType = await exchange('PATCH', `/authors/${(created.body as any).id}`, { body: {}, headers: { 'Content-Type': 'text/plain' } });
      assert.equal(wrongType.status, 415);
    });

    it('the checker names what does not match the document', async () => {
      const created = await exchange('POST', '/authors', { body: author() });
      const { headers, body } = created as { headers: Headers; body: Record<string, unknown> };
      const path = '/authors';
      assert.throws(() => check({ method: 'POST', path, status: 418, headers, body }), /Content-Type application\/json is not documented for default/);
      assert.throws(() => check({ method: 'POST', path, status: 201, headers, body: { ...body, role: 'guest' } }), /body does not match/);
      assert.throws(() => check({ method: 'POST', path, status: 201, headers: { 'content-type': 'application/json' }, body }), /required response header Location/);
      assert.throws(() => check({ method: 'POST', path, status: 201, headers: { ...Object.fromEntries(headers), 'content-type': 'text/html' }, body }), /Content-Type text\/html is not documented/);
      assert.throws(() => check({ method: 'PUT', path, status: 200, headers, body }), /PUT \/authors is not documented/);
      assert.throws(() => check({ method: 'GET', path: '/nowhere', status: 200, headers, body }), /no path of the document matches/);
    });
  });

  describe('GET /docs', () => {
    it('serves Swagger UI from local files, pointed at /openapi.json', async () => {
      const page = await fetch(`${running.baseUrl}/docs`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type')!, /^text\/html/);
      const html = await page.text();
      assert.doesNotMatch(html, /https?:\/\//, 'no CDN');
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
      assert.ok(assets.includes('/docs/swagger-ui-bundle.js') && assets.includes('/docs/swagger-ui.css'), assets.join(', '));
      for (const asset of assets) {
        const response = await fetch(`${running.baseUrl}${asset}`);
        assert.equal(response.status, 200, asset);
        const expected = asset.endsWith('.js') ? /javascript/ : asset.endsWith('.css') ? /text\/css/ : /image\/png/;
        assert.match(response.headers.get('content-type')!, expected, asset);
      }
      const initializer = await (await fetch(`${running.baseUrl}/docs/swagger-initializer.js`)).text();
      assert.match(initializer, /url: "\/openapi\.json"/);
      assert.doesNotMatch(initializer, /petstore/);
    });
  });
});

describe('compileOpenApiChecker', () => {
  const document = {
    openapi: '3.1.0',
    info: { title: 'checker', version: '1' },
    paths: {
      '/things/_count': { get: { responses: { 200: { description: 'count', content: { 'application/json': { schema: { type: 'integer' } } } } } } },
      '/things/{id}': {
        get: {
          operationId: 'getThing',
          responses: {
            200: { description: 'thing', headers: { ETag: { required: true, schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            204: { description: 'nothing' },
          },
        },
      },
    },
    components: { schemas: { Thing: { type: 'object', properties: { id: { type: 'string', format: 'thing-id' }, at: { type: 'string', format: 'date-time' } }, required: ['id'] } } },
  };
  const check = compileOpenApiChecker(document);
  const json = { 'content-type': 'application/json; charset=utf-8', etag: '"1"' };

  it('prefers literal path segments over templates, resolves $refs into components and treats unknown formats as annotations', () => {
    check({ method: 'GET', path: '/things/_count?x=1', status: 200, headers: json, body: 3 });
    check({ method: 'get', path: '/things/7', status: 200, headers: json, body: JSON.stringify({ id: '7', at: '2024-01-01T00:00:00.000Z' }) });
    assert.throws(() => check({ method: 'GET', path: '/things/7', status: 200, headers: json, body: { id: '7', at: 'yesterday' } }), /getThing.*body\/at must match format "date-time"/);
  });

  it('rejects an undocumented status and a body where none is documented', () => {
    assert.throws(() => check({ method: 'GET', path: '/things/7', status: 404, headers: json, body: {} }), /status 404 is not documented; documented: 200, 204/);
    assert.throws(() => check({ method: 'GET', path: '/things/7', status: 204, headers: json, body: { id: '7' } }), /documented without a body/);
    check({ method: 'GET', path: '/things/7', status: 204, headers: {}, body: '' });
  });
});

describe('OpenAPI plugin options', () => {
  it('serves the document and the UI where the options say, with title, version and servers', async () => {
    const running = await start([restPlugin(), openApiPlugin({ path: '/api/spec.json', docsPath: '/api/ui', title: 'Library', version: '2.3.0', servers: [{ url: 'https://api.example.com' }] })], [Note]);
    try {
      const document = await (await fetch(`${running.baseUrl}/api/spec.json`)).json() as any;
      assert.deepEqual(document.info, { title: 'Library', version: '2.3.0' });
      assert.deepEqual(document.servers, [{ url: 'https://api.example.com' }]);
      assert.deepEqual(Object.keys(document.paths).filter((path) => path.startsWith('/authors')), [], 'only this app\'s resources');
      const html = await (await fetch(`${running.baseUrl}/api/ui`)).text();
      assert.match(html, /<title>Library<\/title>/);
      assert.match(await (await fetch(`${running.baseUrl}/api/ui/swagger-initializer.js`)).text(), /"\/api\/spec\.json"/);
      assert.equal((await fetch(`${running.baseUrl}/openapi.json`)).status, 404);
    } finally {
      await running.close();
    }
  });

  it('serves no UI with docsPath: false', async () => {
    const running = await start([restPlugin(), openApiPlugin({ docsPath: false })], [Note]);
    try {
      assert.equal((await fetch(`${running.baseUrl}/openapi.json`)).status, 200);
      assert.equal((await fetch(`${running.baseUrl}/docs`)).status, 404);
    } finally {
      await running.close();
    }
  });

  it('is a bootstrap error without an app to serve it, or with a path inside a resource collection', async () => {
    await assert.rejects(bootstrap(null, { resources: [Note], database: 'sqlite::memory:', plugins: [openApiPlugin()], defaultPlugins: false }),
      (error: unknown) => error instanceof BootstrapError && /plugin "openapi" serves HTTP and needs an Express app/.test(error.message));
    await assert.rejects(start([restPlugin(), openApiPlugin({ docsPath: '/notes/docs' })], [Note]),
      (error: unknown) => error instanceof BootstrapError && /docsPath \/notes\/docs is inside the REST routes of Note/.test(error.message));
  });
});

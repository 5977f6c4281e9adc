import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Contact, contactData } from '../support/fixtures.js';
import { expectProblem, startApp, type TestApp, type TestResponse } from '../support/http.js';

/** A write route that takes If-Match, and how to call it on a resource in the state it needs. */
interface WriteRoute {
  name: string;
  /** Brings a fresh resource into the state the route needs; returns its id and current ETag. */
  prepare(): Promise<{ id: string; etag: string }>;
  send(id: string, headers: Record<string, string>): Promise<TestResponse>;
  /** The status of a successful call. */
  success: number;
}

describe('REST conditional requests', () => {
  let app: TestApp;
  before(async () => { app = await startApp([Contact]); });
  after(async () => { await app.close(); });

  async function create(query = ''): Promise<Record<string, any>> {
    const response = await app.request('POST', `/contacts${query}`, { body: contactData() });
    assert.equal(response.status, 201, response.text);
    return response.body;
  }

  /** The ETag of a resource as a list shows it (also for deleted ones, which GET answers with 410). */
  async function listedEtag(id: string): Promise<string> {
    const response = await app.request('GET', `/contacts?deleted=include&where[id]=${id}`);
    return response.body.items[0]._meta.etag;
  }

  describe('If-None-Match on GET', () => {
    it('answers 304 without a body but with the ETag when the tag matches', async () => {
      const created = await create();
      const response = await app.request('GET', `/contacts/${created.id}`, { headers: { 'if-none-match': created._meta.etag } });
      assert.equal(response.status, 304);
      assert.equal(response.text, '');
      assert.equal(response.headers.get('etag'), created._meta.etag);
    });

    it('compares weakly: W/"…" of the current tag is a 304 too', async () => {
      const created = await create();
      const response = await app.request('GET', `/contacts/${created.id}`, { headers: { 'if-none-match': `W/${created._meta.etag}` } });
      assert.equal(response.status, 304);
      assert.equal(response.text, '');
      assert.equal(response.headers.get('etag'), created._meta.etag);
    });

    it('answers 304 for * and for a list holding the current tag', async () => {
      const created = await create();
      const star = await app.request('GET', `/contacts/${created.id}`, { headers: { 'if-none-match': '*' } });
      assert.equal(star.status, 304);
      assert.equal(star.headers.get('etag'), created._meta.etag);
      const list = await app.request('GET', `/contacts/${created.id}`, { headers: { 'if-none-match': `"nope", ${created._meta.etag}` } });
      assert.equal(list.status, 304);
    });

    it('answers 200 with the body when the tag is stale', async () => {
      const created = await create();
      const patched = await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 77 } });
      const response = await app.request('GET', `/contacts/${created.id}`, { headers: { 'if-none-match': created._meta.etag } });
      assert.equal(response.status, 200);
      assert.equal(response.body.age, 77);
      assert.equal(response.headers.get('etag'), patched.body._meta.etag);
    });

    it('works for an old revision with its own ETag', async () => {
      const created = await create();
      await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 78 } });
      const old = await app.request('GET', `/contacts/${created.id}?revision=1`);
      const response = await app.request('GET', `/contacts/${created.id}?revision=1`, { headers: { 'if-none-match': old.headers.get('etag')! } });
      assert.equal(response.status, 304);
      assert.equal(response.headers.get('etag'), old.headers.get('etag'));
    });

    it('is a 410 for a deleted resource, whatever the tag', async () => {
      const created = await create();
      await app.request('DELETE', `/contacts/${created.id}`);
      expectProblem(await app.request('GET', `/contacts/${created.id}`, { headers: { 'if-none-match': '*' } }), 410, 'GONE');
    });
  });

  describe('If-Match on every write route', () => {
    const live = async () => {
      const created = await create();
      return { id: created.id as string, etag: created._meta.etag as string };
    };
    const routes: WriteRoute[] = [
      { name: 'PUT', prepare: live, success: 200, send: (id, headers) => app.request('PUT', `/contacts/${id}`, { body: contactData(), headers }) },
      { name: 'PATCH', prepare: live, success: 200, send: (id, headers) => app.request('PATCH', `/contacts/${id}`, { body: { age: 500 }, headers }) },
      { name: 'DELETE', prepare: live, success: 204, send: (id, headers) => app.request('DELETE', `/contacts/${id}`, { headers }) },
      { name: 'DELETE ?purge=true', prepare: live, success: 204, send: (id, headers) => app.request('DELETE', `/contacts/${id}?purge=true`, { headers }) },
      {
        name: 'switch', success: 200, send: (id, headers) => app.request('POST', `/contacts/${id}/switch/1`, { headers }),
        async prepare() {
          const created = await create();
          const patched = await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 321 } });
          return { id: created.id, etag: patched.body._meta.etag };
        },
      },
      {
        name: 'publish', success: 200, send: (id, headers) => app.request('POST', `/contacts/${id}/publish`, { headers }),
        async prepare() {
          const created = await create('?draft=true');
          return { id: created.id, etag: created._meta.etag };
        },
      },
      {
        name: 'restore', success: 200, send: (id, headers) => app.request('POST', `/contacts/${id}/restore`, { headers }),
        async prepare() {
          const created = await create();
          assert.equal((await app.request('DELETE', `/contacts/${created.id}`)).status, 204);
          return { id: created.id, etag: await listedEtag(created.id) };
        },
      },
    ];

    for (const route of routes) {
      describe(route.name, () => {
        it('answers 412 PRECONDITION_FAILED for a stale tag and writes nothing', async () => {
          const { id } = await route.prepare();
          const before = await app.request('GET', `/contacts?deleted=include&where[id]=${id}`);
          expectProblem(await route.send(id, { 'if-match': '"stale"' }), 412, 'PRECONDITION_FAILED');
          const afterwards = await app.request('GET', `/contacts?deleted=include&where[id]=${id}`);
          assert.deepEqual(afterwards.body, before.body);
        });

        it('answers 412 for the weak form of the current tag (strong comparison)', async () => {
          const { id, etag } = await route.prepare();
          expectProblem(await route.send(id, { 'if-match': `W/${etag}` }), 412, 'PRECONDITION_FAILED');
        });

        it('succeeds with a tag list holding the current tag', async () => {
          const { id, etag } = await route.prepare();
          const response = await route.send(id, { 'if-match': `"other", ${etag}` });
          assert.equal(response.status, route.success, response.text);
          if (route.success === 200) assert.equal(response.headers.get('etag'), response.body._meta.etag);
        });

        it('succeeds with *', async () => {
          const { id } = await route.prepare();
          const response = await route.send(id, { 'if-match': '*' });
          assert.equal(response.status, route.success, response.text);
        });

        it('succeeds without If-Match', async () => {
          const { id } = await route.prepare();
          assert.equal((await route.send(id, {})).status, route.success);
        });
      });
    }

    it('a tag goes stale after every change of the current state (write, switch, publish, delete + restore)', async () => {
      const created = await create('?draft=true');
      const tags = new Set<string>([created._meta.etag]);
      const steps: (() => Promise<TestResponse>)[] = [
        () => app.request('PATCH', `/contacts/${created.id}?draft=true`, { body: { age: 1 } }),
        () => app.request('POST', `/contacts/${created.id}/publish`),
        () => app.request('PATCH', `/contacts/${created.id}`, { body: { age: 2 } }),
        () => app.request('POST', `/contacts/${created.id}/switch/1`),
        async () => {
          await app.request('DELETE', `/contacts/${created.id}`);
          return app.request('POST', `/contacts/${created.id}/restore`);
        },
      ];
      let previous = created._meta.etag as string;
      for (const step of steps) {
        const response = await step();
        assert.equal(response.status, 200, response.text);
        const etag = response.headers.get('etag')!;
        assert.ok(!tags.has(etag), `ETag ${etag} was seen before`);
        tags.add(etag);
        expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 3 }, headers: { 'if-match': previous } }), 412, 'PRECONDITION_FAILED');
        previous = etag;
      }
    });
  });

  describe('the precondition is checked before the body', () => {
    it('PUT with a stale If-Match and malformed JSON is a 412, not a 400', async () => {
      const created = await create();
      expectProblem(await app.request('PUT', `/contacts/${created.id}`, { rawBody: '{"name": ', headers: { 'content-type': 'application/json', 'if-match': '"stale"' } }), 412, 'PRECONDITION_FAILED');
    });

    it('PUT with a stale If-Match and an invalid body is a 412, not a 422', async () => {
      const created = await create();
      expectProblem(await app.request('PUT', `/contacts/${created.id}`, { body: { nickname: 'x' }, headers: { 'if-match': '"stale"' } }), 412, 'PRECONDITION_FAILED');
    });

    it('PATCH with a stale If-Match and an invalid patch, malformed JSON or an unsupported media type is a 412', async () => {
      const created = await create();
      const stale = { 'if-match': '"stale"' };
      expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { body: { age: 'old' }, headers: stale }), 412, 'PRECONDITION_FAILED');
      expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { rawBody: '[{"op":', headers: { ...stale, 'content-type': 'application/json-patch+json' } }), 412, 'PRECONDITION_FAILED');
      expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { rawBody: 'age=1', headers: { ...stale, 'content-type': 'text/plain' } }), 412, 'PRECONDITION_FAILED');
    });

    it('with the current tag, the same bad bodies give 400, 422 and 415', async () => {
      const created = await create();
      const current = { 'if-match': created._meta.etag };
      expectProblem(await app.request('PUT', `/contacts/${created.id}`, { rawBody: '{"name": ', headers: { ...current, 'content-type': 'application/json' } }), 400, 'BAD_REQUEST');
      expectProblem(await app.request('PUT', `/contacts/${created.id}`, { body: { nickname: 'x' }, headers: current }), 422, 'VALIDATION_FAILED');
      expectProblem(await app.request('PATCH', `/contacts/${created.id}`, { rawBody: 'age=1', headers: { ...current, 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });
});

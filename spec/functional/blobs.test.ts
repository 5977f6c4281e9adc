import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsOptional, Length } from 'class-validator';
import { Blob, Indexed, Resource, type BlobValue } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';

@Resource()
class Poster {
  @Indexed() @Length(1, 100) title!: string;
  @Blob({ optional: true }) @IsOptional() cover?: BlobValue;
}

/** Every blob file in a folder store. */
function storedFiles(folder: string): string[] {
  const base = join(folder, 'sha256');
  return readdirSync(base).flatMap((prefix) => readdirSync(join(base, prefix)));
}

async function upload(app: TestApp, bytes: Uint8Array, contentType = 'application/octet-stream', query = '') {
  // Through app.request, so the answer is checked against the OpenAPI document too.
  return app.request('POST', `/_blobs${query}`, { rawBody: bytes, headers: { 'content-type': contentType } });
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`blobs over HTTP: ${backend.name}`, () => {
    let app: TestApp;
    let database: { url: string; dispose(): Promise<void> };
    const folder = mkdtempSync(join(tmpdir(), 'strata-blobs-'));
    before(async () => {
      database = await backend.create();
      app = await startApp([Poster], { database: database.url, blobs: { store: `file:${folder}`, maxBytes: 400 * 1024 * 1024 } });
    });
    after(async () => {
      await app.close();
      await database.dispose();
      rmSync(folder, { recursive: true, force: true });
    });

    it('stores uploads content-addressed, once: 201 then 200 for the same bytes', async () => {
      const bytes = randomBytes(5000);
      const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const first = await upload(app, bytes, 'image/png', '?filename=cover.png');
      assert.equal(first.status, 201);
      assert.deepEqual(first.body, { hash, size: 5000, contentType: 'image/png', filename: 'cover.png' });
      const again = await upload(app, bytes, 'image/png');
      assert.equal(again.status, 200);
      assert.equal(again.body.hash, hash);
      assert.equal(storedFiles(folder).filter((name) => `sha256:${name}` === hash).length, 1);
    });

    it('streams a blob field with Content-Type, Content-Length, ETag, Range and ?revision=n', async () => {
      const bytes = randomBytes(10_000);
      const cover = (await upload(app, bytes, 'image/jpeg', '?filename=a.jpg')).body;
      const created = await app.request('POST', '/posters', { body: { title: 'with cover', cover } });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.body.cover, cover);
      const url = `${app.baseUrl}/posters/${created.body.id}/cover`;
      const whole = await fetch(url);
      assert.equal(whole.status, 200);
      assert.equal(whole.headers.get('content-type'), 'image/jpeg');
      assert.equal(whole.headers.get('content-length'), '10000');
      assert.equal(whole.headers.get('etag'), `"${cover.hash}"`);
      assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes);
      const part = await fetch(url, { headers: { Range: 'bytes=100-1099' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), 'bytes 100-1099/10000');
      assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 1100));
      const tail = await fetch(url, { headers: { Range: 'bytes=-10' } });
      assert.deepEqual(Buffer.from(await tail.arrayBuffer()), bytes.subarray(9990));
      assert.equal((await fetch(url, { headers: { 'If-None-Match': `"${cover.hash}"` } })).status, 304);

      const other = (await upload(app, randomBytes(20), 'text/plain')).body;
      await app.request('PATCH', `/posters/${created.body.id}`, { body: { cover: other } });
      assert.equal((await fetch(url)).headers.get('content-length'), '20');
      const old = await fetch(`${url}?revision=1`);
      assert.deepEqual(Buffer.from(await old.arrayBuffer()), bytes);
      const noBlob = await app.request('GET', `/posters/${(await app.request('POST', '/posters', { body: { title: 'no cover' } })).body.id}/cover`);
      expectProblem(noBlob, 404, 'NOT_FOUND');
      expectProblem(await app.request('GET', `/posters/${created.body.id}/title`), 404, 'NOT_FOUND');
    });

    it('gc removes only blobs no revision names, after the grace period', async () => {
      const old = (await upload(app, randomBytes(100))).body;
      const current = (await upload(app, randomBytes(100))).body;
      const orphan = (await upload(app, randomBytes(100))).body;
      const poster = await app.request('POST', '/posters', { body: { title: 'gc', cover: old } });
      await app.request('PATCH', `/posters/${poster.body.id}`, { body: { cover: current } });
      const young = await app.strata.blobs.gc();
      assert.ok(!young.removed.includes(orphan.hash), 'a fresh upload survives the grace period');
      const result = await app.strata.blobs.gc({ graceMs: 0 });
      assert.ok(result.removed.includes(orphan.hash));
      assert.ok(!result.removed.includes(old.hash) && !result.removed.includes(current.hash), 'old and current revisions keep their blobs');
      const stored = storedFiles(folder).map((name) => `sha256:${name}`);
      assert.deepEqual([stored.includes(old.hash), stored.includes(current.hash), stored.includes(orphan.hash)], [true, true, false]);
      assert.equal((await fetch(`${app.baseUrl}/posters/${poster.body.id}/cover?revision=1`)).status, 200);
    });

    it('refuses a write naming bytes nobody uploaded (422)', async () => {
      const hash = `sha256:${'ab'.repeat(32)}`;
      const refused = await app.request('POST', '/posters', { body: { title: 'ghost', cover: { hash, size: 3, contentType: 'text/plain' } } });
      const problem = expectProblem(refused, 422, 'VALIDATION_FAILED');
      assert.equal(problem.errors?.[0]?.path, 'cover');
      expectProblem(await app.request('POST', '/posters', { body: { title: 'bad', cover: { hash: 'nope', size: 1, contentType: 'x/y' } } }), 422, 'VALIDATION_FAILED');
    });

    if (backend.name === 'sqlite-memory') {
      it('streams a 300 MB upload with the process memory growing less than 64 MB, and reads any range back exactly', async () => {
        const chunk = randomBytes(1024 * 1024);
        const total = 300;
        const digest = createHash('sha256');
        for (let index = 0; index < total; index++) digest.update(chunk.subarray(index % 7));
        global.gc?.();
        const baseline = process.memoryUsage().rss;
        let peak = baseline;
        const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent === total) { controller.close(); return; }
            controller.enqueue(chunk.subarray(sent % 7));
            sent += 1;
          },
        });
        const response = await fetch(`${app.baseUrl}/_blobs`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit);
        clearInterval(sampler);
        const stored = await response.json() as { hash: string; size: number };
        assert.equal(response.status, 201, JSON.stringify(stored));
        assert.equal(stored.hash, `sha256:${digest.digest('hex')}`);
        const growth = (peak - baseline) / 1024 / 1024;
        console.log(`# 300 MB upload: peak RSS growth ${growth.toFixed(1)} MB`);
        assert.ok(growth < 64, `memory grew ${growth.toFixed(1)} MB`);
        const created = await app.request('POST', '/posters', { body: { title: 'big', cover: { ...stored, contentType: 'application/octet-stream' } } });
        const start = 200 * 1024 * 1024 + 12345;
        const part = await fetch(`${app.baseUrl}/posters/${created.body.id}/cover`, { headers: { Range: `bytes=${start}-${start + 99}` } });
        assert.equal(part.status, 206);
        // Byte `start` lies in chunk number 200 (each chunk is 1 MB minus its index mod 7).
        let position = 0;
        let index = 0;
        while (position + (chunk.length - (index % 7)) <= start) position += chunk.length - (index++ % 7);
        const expected = Buffer.concat([chunk.subarray(index % 7), chunk.subarray((index + 1) % 7)]).subarray(start - position, start - position + 100);
        assert.deepEqual(Buffer.from(await part.arrayBuffer()), expected);
      });

      it('answers 413 past blobs.maxBytes and keeps nothing', async () => {
        const small = await startApp([Poster], { blobs: { store: `file:${folder}-small`, maxBytes: 1000 } });
        try {
          const declared = await fetch(`${small.baseUrl}/_blobs`, { method: 'POST', body: randomBytes(2000) });
          assert.equal(declared.status, 413);
          let sent = 0;
          const streamed = await fetch(`${small.baseUrl}/_blobs`, {
            method: 'POST', duplex: 'half',
            body: new ReadableStream<Uint8Array>({ pull(controller) { if (sent++ < 5) controller.enqueue(randomBytes(500)); else controller.close(); } }),
          } as RequestInit);
          assert.equal(streamed.status, 413);
          assert.equal((await streamed.json() as { code: string }).code, 'PAYLOAD_TOO_LARGE');
          assert.deepEqual(readdirSync(join(`${folder}-small`, 'tmp')), []);
        } finally {
          await small.close();
          rmSync(`${folder}-small`, { recursive: true, force: true });
        }
      });
    }
  });
}

describe('blobs in an S3-compatible bucket (s3rver, started locally)', () => {
  let app: TestApp;
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  const directory = mkdtempSync(join(tmpdir(), 'strata-s3rver-'));
  before(async () => {
    // s3rver is a real S3 HTTP server (signed requests, multipart uploads) storing in a folder.
    const { default: S3rver } = await import('s3rver' as string) as { default: new (options: object) => typeof server };
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'strata-test' }] });
    const { port } = await server.run();
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    app = await startApp([Poster], { blobs: { store: `s3://strata-test/app1?endpoint=http://127.0.0.1:${port}`, maxBytes: 64 * 1024 * 1024 } });
  });
  after(async () => {
    await app?.close();
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores each content once, streams downloads with Range, refuses unknown hashes and collects garbage', async () => {
    const bytes = randomBytes(12 * 1024 * 1024); // above lib-storage's 5 MB part size: a multipart upload
    const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const first = await upload(app, bytes, 'application/pdf', '?filename=report.pdf');
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.hash, hash);
    assert.equal((await upload(app, bytes, 'application/pdf')).status, 200);
    const { items } = await listKeys(app);
    assert.deepEqual(items, [hash]);
    const poster = await app.request('POST', '/posters', { body: { title: 's3', cover: first.body } });
    assert.equal(poster.status, 201, poster.text);
    const part = await fetch(`${app.baseUrl}/posters/${poster.body.id}/cover`, { headers: { Range: 'bytes=6000000-6000099' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(6_000_000, 6_000_100));
    const whole = await fetch(`${app.baseUrl}/posters/${poster.body.id}/cover`);
    assert.equal(createHash('sha256').update(Buffer.from(await whole.arrayBuffer())).digest('hex'), hash.slice(7));
    const ghost = await app.request('POST', '/posters', { body: { title: 'ghost', cover: { hash: `sha256:${'cd'.repeat(32)}`, size: 1, contentType: 'x/y' } } });
    expectProblem(ghost, 422, 'VALIDATION_FAILED');
    const orphan = (await upload(app, randomBytes(10))).body;
    const result = await app.strata.blobs.gc({ graceMs: 0 });
    assert.deepEqual(result.removed, [orphan.hash]);
    assert.deepEqual((await listKeys(app)).items, [hash]);
  });
});

/** The hashes in the app's blob store. */
async function listKeys(app: TestApp): Promise<{ items: string[] }> {
  const items: string[] = [];
  for await (const blob of app.strata.blobs.store.list()) items.push(blob.hash);
  return { items };
}

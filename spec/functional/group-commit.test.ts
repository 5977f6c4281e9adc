import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsOptional, IsInt, Length } from 'class-validator';
import { definePlugin, eventsPlugin, Indexed, Resource, StrataError, type StrataEvent } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { startApp, type TestApp } from '../support/http.js';

@Resource()
class Parcel {
  @Indexed({ unique: true }) @Length(1, 40) code!: string;
  @Length(1, 100) text!: string;
  @IsOptional() @IsInt() n?: number;
}

/** Written by a hook inside each parcel's create: a nested manager call in the same write. */
@Resource()
class Receipt {
  @Indexed() @Length(1, 40) code!: string;
}

const HOOK_FAILS = 'after hook fails';

/**
 * Group commit on SQLite (docs/storage.md): many writes sent at once share transactions, and each
 * keeps its own fate. The `after` hook of a parcel's create writes a Receipt through another
 * manager (a nested transaction, joining the write's) and then fails for one text, so a refused
 * write has rows, a receipt and an event to roll back.
 */
describe('group commit: concurrent writes keep their own outcome, sqlite-file', () => {
  let app: TestApp;
  let dispose: () => Promise<void>;
  const committed: StrataEvent[] = [];
  before(async () => {
    const database = await BACKENDS.find((backend) => backend.name === 'sqlite-file')!.create();
    dispose = database.dispose;
    const receipts = definePlugin({
      name: 'receipts',
      configure(context) {
        context.hooks.after({ operations: 'create', resources: [Parcel] }, async (hook) => {
          const data = hook.input.data as { code: string; text: string };
          await context.manager(Receipt).create({ code: data.code });
          if (data.text === HOOK_FAILS) throw new StrataError('CONFLICT', 'the hook refused this parcel');
        });
      },
    });
    app = await startApp([Parcel, Receipt], { database: database.url, plugins: [eventsPlugin(), receipts] });
    app.strata.events.on('*', (event) => { committed.push(event); });
  });
  after(async () => {
    await app?.close();
    await dispose?.();
  });

  it('stores each write that succeeded, with its nested write and event, and nothing of those that failed', async () => {
    const taken = await app.request('POST', '/parcels', { body: { code: 'taken', text: 'first' } });
    assert.equal(taken.status, 201);
    const stale = await app.request('POST', '/parcels', { body: { code: 'stale', text: 'never changed' } });
    committed.length = 0;
    const kinds = ['ok', 'invalid', 'duplicate', 'hook', 'stale', 'ok'] as const;
    const sent = Array.from({ length: 60 }, (_, index) => ({ index, kind: kinds[index % kinds.length], code: `p${index}` }));
    const answers = await Promise.all(sent.map(({ kind, code, index }) => (kind === 'stale'
      ? app.request('PATCH', `/parcels/${stale.body.id}`, { body: { n: index }, headers: { 'If-Match': '"stale"' } })
      : app.request('POST', '/parcels', {
        body: kind === 'invalid' ? { code, text: '' } : kind === 'duplicate' ? { code: 'taken', text: `duplicate ${code}` }
          : kind === 'hook' ? { code, text: HOOK_FAILS } : { code, text: `parcel ${code}`, n: index },
      }))));
    const expected = { ok: 201, invalid: 422, duplicate: 409, hook: 409, stale: 412 };
    for (const [position, answer] of answers.entries()) assert.equal(answer.status, expected[sent[position].kind], `${sent[position].code} (${sent[position].kind}): ${answer.text}`);

    const created = sent.filter((write) => write.kind === 'ok');
    const parcels = await app.request('GET', '/parcels?limit=1000');
    assert.deepEqual(parcels.body.items.map((item: { code: string }) => item.code).sort(), ['stale', 'taken', ...created.map((write) => write.code)].sort());
    const receipts = await app.request('GET', '/receipts?limit=1000');
    assert.deepEqual(receipts.body.items.map((item: { code: string }) => item.code).sort(), ['stale', 'taken', ...created.map((write) => write.code)].sort(),
      'a receipt exactly for each stored parcel: the nested write is rolled back with the write it is part of');
    assert.equal((await app.request('GET', `/parcels/${stale.body.id}`)).body._meta.revision, 1);

    // The change log and the listeners after commit: one created event per stored parcel and receipt.
    // Fetched directly: /_events is the events plugin's route, not in the OpenAPI document the helper checks against.
    const logged = { body: await (await fetch(`${app.baseUrl}/_events?limit=1000`, { headers: { Accept: 'application/json' } })).json() as { items: StrataEvent[] } };
    const logCodes = logged.body.items.filter((event: StrataEvent) => event.resource === 'parcels').map((event: StrataEvent) => (event.data as unknown as { code: string }).code);
    assert.deepEqual(logCodes.filter((code: string) => code !== 'taken' && code !== 'stale').sort(), created.map((write) => write.code).sort());
    const heard = committed.filter((event) => event.resource === 'parcels').map((event) => (event.data as unknown as { code: string }).code);
    assert.deepEqual(heard.sort(), created.map((write) => write.code).sort(), 'listeners hear only of committed writes');
    const ids = logged.body.items.map((event) => BigInt(event.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)), 'event ids grow');
  });

  it('answers reads during a burst of writes with committed data only', async () => {
    const writes = Array.from({ length: 30 }, (_, index) => app.request('POST', '/parcels', { body: { code: `read${index}`, text: index % 3 === 0 ? HOOK_FAILS : 'kept' } }));
    const reads = Array.from({ length: 30 }, () => app.request('GET', '/parcels?where[code][startsWith]=read&limit=1000'));
    const [written, read] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
    for (const page of read) {
      for (const item of page.body.items) assert.equal(item.text, 'kept', 'a read saw a write its hook refused');
    }
    assert.deepEqual(written.map((answer) => answer.status), written.map((_, index) => (index % 3 === 0 ? 409 : 201)));
  });
});

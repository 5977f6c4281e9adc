import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsDate, IsDateString, IsEnum, IsInt, IsNumber, IsOptional, Length } from 'class-validator';
import { Field, Indexed, Resource } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { errorPaths, expectStrataError, useConformanceApp } from '../support/conformance.js';

enum Shade { Light = 'light', Dark = 'dark' }

@Resource()
class Specimen {
  @Indexed({ text: true }) @Length(1, 500) label!: string;
  @Indexed() @IsOptional() @IsInt() count?: number;
  @Indexed() @IsOptional() @IsNumber() weight?: number;
  @Indexed() @IsOptional() @IsBoolean() active?: boolean;
  @Indexed() @IsOptional() @IsEnum(Shade) shade?: Shade;
  @Indexed() @IsOptional() @IsDateString() dueAt?: string;
  @IsOptional() @IsDate() seenAt?: Date;
  @Field('json', { optional: true }) extra?: Record<string, unknown>;
  @Indexed() @IsOptional() @Length(0, 2000) caption?: string;
}

/** Strings that trip up quoting, placeholders, LIKE/GLOB patterns and encodings. */
const AWKWARD = [
  "it's", '"quoted"', '?', 'a ?? b', '$1', ':label', '\\', "\\'", "'; DROP TABLE strata_revisions; --",
  '%_*[]', 'tab\tnew\nline', '😀 émoji ü ß', 'שלום', '\u2028', ' leading and trailing ',
];

describe('conformance: field values', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Specimen] });
      const specimens = () => app.strata.manager(Specimen);

      it('awkward strings round-trip unchanged through writes, reads, filters and revisions', async () => {
        for (const label of AWKWARD) {
          const created = await specimens().create({ label });
          assert.equal(created.label, label);
          assert.equal((await specimens().get(created.id)).label, label);
          assert.equal((await specimens().revision(created.id, 1)).data?.label, label);
          assert.deepEqual((await specimens().list({ where: { label } })).items.map((item) => item.id), [created.id], JSON.stringify(label));
          const contained = (await specimens().list({ where: { label: { contains: label } } })).items.map((item) => item.id);
          assert.ok(contained.includes(created.id), `contains ${JSON.stringify(label)}`);
          await specimens().purge(created.id);
        }
      });

      it('the NUL character is VALIDATION_FAILED on every backend', async () => {
        const before = await specimens().count();
        const error = await expectStrataError(specimens().create({ label: 'a\u0000b' }), 'VALIDATION_FAILED');
        assert.deepEqual(errorPaths(error), ['label']);
        const nested = await expectStrataError(specimens().create({ label: 'ok', extra: { note: ['x\u0000'] } }), 'VALIDATION_FAILED');
        assert.deepEqual(errorPaths(nested), ['extra']);
        await expectStrataError(specimens().get('no\u0000such'), 'NOT_FOUND');
        assert.equal(await specimens().count(), before);
      });

      it('numbers, booleans and enums keep their type and filter by it', async () => {
        const big = Number.MAX_SAFE_INTEGER;
        const a = await specimens().create({ label: 'number a', count: big, weight: -2.5, active: true, shade: Shade.Light });
        const b = await specimens().create({ label: 'number b', count: -7, weight: 0.125, active: false, shade: Shade.Dark });
        for (const [created, expected] of [[a, { count: big, weight: -2.5, active: true, shade: 'light' }], [b, { count: -7, weight: 0.125, active: false, shade: 'dark' }]] as const) {
          const read = await specimens().get(created.id);
          assert.deepEqual({ count: read.count, weight: read.weight, active: read.active, shade: read.shade }, expected);
          const [listed] = (await specimens().list({ where: { id: created.id } })).items;
          assert.deepEqual({ count: listed.count, weight: listed.weight, active: listed.active, shade: listed.shade }, expected);
        }
        const ids = async (where: unknown) => (await specimens().list({ where, sort: 'label' })).items.map((item) => item.label);
        assert.deepEqual(await ids({ count: big }), ['number a']);
        assert.deepEqual(await ids({ count: { lt: 0 } }), ['number b']);
        assert.deepEqual(await ids({ weight: { gt: -3, lt: 0 } }), ['number a']);
        assert.deepEqual(await ids({ active: true }), ['number a']);
        assert.deepEqual(await ids({ active: 'false' }), ['number b']);
        assert.deepEqual(await ids({ shade: 'dark' }), ['number b']);
        assert.deepEqual(await ids({ shade: { in: ['light', 'dark'] } }), ['number a', 'number b']);
        await expectStrataError(specimens().list({ where: { shade: 'purple' } }), 'BAD_QUERY');
        await expectStrataError(specimens().list({ where: { active: 'maybe' } }), 'BAD_QUERY');
        const sorted = (await specimens().list({ where: { count: { exists: true } }, sort: '-count' })).items.map((item) => item.count);
        assert.deepEqual(sorted, [big, -7]);
      });

      it('date fields are stored as ISO-8601 UTC and compare as dates', async () => {
        const first = await specimens().create({ label: 'date a', dueAt: '2024-01-02', seenAt: '2024-01-02T03:04:05+02:00' });
        assert.equal(first.dueAt, '2024-01-02T00:00:00.000Z');
        assert.equal(first.seenAt, '2024-01-02T01:04:05.000Z');
        await specimens().create({ label: 'date b', dueAt: '2024-03-01T12:00:00Z' });
        const labels = async (where: unknown) => (await specimens().list({ where, sort: 'dueAt' })).items.map((item) => item.label);
        assert.deepEqual(await labels({ dueAt: { gte: '2024-01-01' } }), ['date a', 'date b']);
        assert.deepEqual(await labels({ dueAt: { gt: '2024-01-02T00:00:00Z' } }), ['date b']);
        assert.deepEqual(await labels({ dueAt: '2024-01-02T00:00:00.000Z' }), ['date a']);
        const invalid = await expectStrataError(specimens().create({ label: 'date c', dueAt: 'tomorrow' }), 'VALIDATION_FAILED');
        assert.deepEqual(errorPaths(invalid), ['dueAt']);
        const impossible = await expectStrataError(specimens().create({ label: 'date d', seenAt: 'not a date' }), 'VALIDATION_FAILED');
        assert.deepEqual(errorPaths(impossible), ['seenAt']);
      });

      it('an indexed string is limited to 2000 UTF-8 bytes on every backend, with a clear validation error', async () => {
        // 666 characters of 3 UTF-8 bytes each (1998 bytes), varied so that PostgreSQL cannot compress them.
        const caption = Array.from({ length: 666 }, (_, index) => String.fromCodePoint(0x4e00 + ((index * 7919) % 20000))).join('');
        const created = await specimens().create({ label: 'long caption', caption });
        assert.equal((await specimens().get(created.id)).caption, caption);
        assert.deepEqual((await specimens().list({ where: { caption } })).items.map((item) => item.id), [created.id]);
        const tooLong = await expectStrataError(specimens().create({ label: 'longer caption', caption: `${caption}abc` }), 'VALIDATION_FAILED');
        assert.equal(tooLong.errors[0].constraint, 'indexedLength');
        assert.deepEqual(errorPaths(tooLong), ['caption']);
      });

      it('JSON fields round-trip nested values', async () => {
        const extra = { list: [1, 'two', { three: [true, null] }], nested: { deep: { deeper: 'x' } }, empty: {} };
        const created = await specimens().create({ label: 'json', extra });
        assert.deepEqual(created.extra, extra);
        assert.deepEqual((await specimens().get(created.id)).extra, extra);
        assert.deepEqual((await specimens().revision(created.id, 1)).data?.extra, extra);
        const same = await specimens().update(created.id, { extra: { empty: {}, nested: { deep: { deeper: 'x' } }, list: [1, 'two', { three: [true, null] }] }, label: 'json' });
        assert.equal(same._meta.revision, 1, 'key order does not make a new revision');
      });
    });
  }
});

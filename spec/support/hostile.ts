import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import 'reflect-metadata';
import { IsEmail, IsIn, IsInt, IsOptional, Length, Max, Min } from 'class-validator';
import fc from 'fast-check';
import { ERROR_CODES, Indexed, Resource, Versioned } from '../../index.js';

/**
 * The property-based hostile-input suites (spec/functional/hostile-*.test.ts) share these: the
 * resources they attack, raw HTTP, the invariants every answer must keep, and fast-check settings.
 *
 * - `STRATA_FUZZ_SEED=<n>` replays a run (a failure prints its seed and path);
 * - `STRATA_FUZZ_FULL=1` runs thousands of cases per endpoint family; the default keeps `npm test` quick;
 * - `STRATA_FUZZ_RUNS=<n>` sets the cases per family outright.
 */
export const FUZZ_SEED = Number(process.env.STRATA_FUZZ_SEED ?? 20261204);
export const FUZZ_RUNS = Number(process.env.STRATA_FUZZ_RUNS ?? (process.env.STRATA_FUZZ_FULL ? 3000 : 60));

/** fast-check parameters of every property: the fixed (or replayed) seed, the size, and the seed in every failure. */
export function fuzzParameters(family: string): fc.Parameters<unknown> {
  return {
    seed: FUZZ_SEED, numRuns: FUZZ_RUNS, endOnFailure: true,
    reporter(details) {
      if (!details.failed) return;
      const example = JSON.stringify(details.counterexample, (_key, value: unknown) => (typeof value === 'object' && value !== null && (value as { type?: string }).type === 'Buffer' ? Buffer.from((value as { data: number[] }).data).toString('utf8') : value));
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${family} failed after ${details.numRuns} case(s): ${error.slice(0, 2000)}\nCounterexample: ${(example ?? '').slice(0, 1000)}\nReplay with STRATA_FUZZ_SEED=${details.seed} (counterexample path ${details.counterexamplePath ?? '?'}).`);
    },
  } as fc.Parameters<unknown>;
}

/** A resource with drafts, a unique normalized index, ranges, an enum and a list: the REST and GraphQL suites attack it. */
@Resource()
@Versioned({ drafts: true })
export class Specimen {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true, normalize: 'lowercase' }) @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) @Max(200) age?: number;
  @Indexed() @IsOptional() @IsIn(['red', 'green', 'blue']) colour?: string;
  @IsOptional() @Length(0, 500) bio?: string;
}

/** A resource without drafts, so draft writes and imported drafts are refused. */
@Resource()
export class Ledger {
  @Indexed() @Length(1, 50) title!: string;
}

/** A response read byte for byte. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request as the suites generate it: any method, path, headers and bytes. */
export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/**
 * Sends a request over node:http as given (no URL normalization, any bytes), and reads the answer.
 * The body goes in 64 KB pieces and stops once an answer arrives: a server may refuse a large body
 * early (413) and close the connection without reading the rest.
 */
export function sendRaw(baseUrl: string, { method, path, headers = {}, body }: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = httpRequest({
      host: url.hostname, port: url.port, method, path, agent: false,
      headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
    }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', (error) => { if (!answered) reject(error); });
    void (async () => {
      for (let offset = 0; body && offset < body.length && !answered && !outgoing.destroyed; offset += 65_536) {
        if (!outgoing.write(body.subarray(offset, offset + 65_536))) await new Promise((drained) => { outgoing.once('drain', drained); outgoing.once('close', drained); });
      }
      if (!outgoing.destroyed) outgoing.end();
    })();
  });
}

const LEAK = /(?:\n|\\n)\s+at |"stack"|\.(?:ts|js|mjs|cjs):\d+|\/work\/|node_modules|\/home\/|\/usr\/|file:\/\/|SQLITE_|syntax error at|violates .* constraint|TypeError|RangeError|ReferenceError/;

/** No stack trace, file path, SQL or engine message in a body. */
export function assertNoLeak(text: string, what: string): void {
  assert.doesNotMatch(text, LEAK, `${what} leaks internals: ${text.slice(0, 500)}`);
}

/** The invariant of every REST answer: 2xx/3xx, or a documented 4xx problem document with at most 50 errors; never 5xx. */
export function assertRestAnswer(response: RawResponse, what: string, bodiless = false): void {
  assert.ok(response.status < 500, `${what} → ${response.status}: ${response.text.slice(0, 500)}`);
  assertNoLeak(response.text, what);
  assert.equal(response.headers['x-content-type-options'], 'nosniff', `${what}: no X-Content-Type-Options`);
  assert.equal(response.headers['x-powered-by'], undefined, `${what}: X-Powered-By is sent`);
  if (response.status < 400 || bodiless) return;
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, `${what} → ${response.status} is not problem+json`);
  const problem = JSON.parse(response.text) as { type: string; title: string; status: number; detail: string; code: keyof typeof ERROR_CODES; errors: unknown[]; moreErrors?: number };
  assert.ok(Object.hasOwn(ERROR_CODES, problem.code), `${what}: undocumented code ${problem.code}`);
  assert.equal(ERROR_CODES[problem.code].status, response.status, `${what}: ${problem.code} with HTTP ${response.status}`);
  assert.equal(problem.status, response.status);
  for (const member of ['type', 'title', 'detail'] as const) assert.equal(typeof problem[member], 'string', `${what}: problem.${member}`);
  assert.ok(Array.isArray(problem.errors) && problem.errors.length <= 50, `${what}: ${problem.errors?.length} errors listed`);
  assert.ok(problem.detail.length <= 2001, `${what}: a detail of ${problem.detail.length} characters`);
}

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

/** Object.prototype has exactly its own members, and a fresh object inherits nothing new. */
export function assertPrototypeUntouched(what: string): void {
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(','), PROTOTYPE_NAMES, `${what} changed Object.prototype`);
  const probe = {} as Record<string, unknown>;
  for (const name of ['polluted', 'isAdmin', 'x', 'admin', 'toString']) {
    if (name !== 'toString') assert.equal(probe[name], undefined, `${what} polluted Object.prototype.${name}`);
  }
}

/** A digest of the full export of every resource: equal digests mean byte-identical data and history. */
export async function databaseDigest(baseUrl: string, paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    const response = await sendRaw(baseUrl, { method: 'GET', path: `${path}/_export` });
    assert.equal(response.status, 200, `export of ${path}: ${response.text.slice(0, 300)}`);
    hash.update(path).update('\0').update(response.text);
  }
  return hash.digest('hex');
}

/** Strings an attacker tries: injections, traversal, control and odd Unicode, huge numbers, prototype keys. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '\u0000', '%00', '\u0000x', "' OR 1=1 --", '"; DROP TABLE specimens; --', '../../etc/passwd', '_count', '..', '.',
    '__proto__', 'constructor', 'prototype', '\uD800', '\uFFFF', 'e\u0301', '\u00e9', 'ＡＤＡ@example.com', 'ADA@example.com',
    '1e300', '2147483648', '-1', '0', 'NaN', 'Infinity', 'null', 'true', '[]', '{}', '*', 'W/*', '"x"', 'x'.repeat(5000),
    '%zz', '%', '%e9', '%C0%AF', '\r\nX-Injected: 1', '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** JSON values of any shape, with hostile strings and prototype keys among the keys and leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e300, -0),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('name', 'email', 'age', 'colour', 'bio', 'id', '_meta', '__proto__', 'constructor')), tie('value'), { maxKeys: 5 })),
})).value;

/** A plausible specimen body, sometimes broken in one place. */
export const specimenBody: fc.Arbitrary<Record<string, unknown>> = fc.record({
  name: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), hostileString),
  email: fc.oneof(fc.emailAddress(), hostileString),
  age: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer(), fc.double(), hostileString),
  colour: fc.oneof(fc.constantFrom('red', 'green', 'blue'), hostileString),
  bio: fc.oneof(fc.string({ maxLength: 50 }), hostileString),
}, { requiredKeys: ['name', 'email'] });

/** JSON nested `depth` arrays deep. */
export function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Bodies as bytes: JSON, hostile bytes, invalid UTF-8, deep nesting, gzip of either or fake gzip. */
export const bodyBytes: fc.Arbitrary<{ bytes: Buffer; encoding?: string }> = fc.oneof(
  fc.oneof(hostileJson, specimenBody).map((value) => ({ bytes: Buffer.from(JSON.stringify(value) ?? 'null') })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes: Buffer.from(bytes) })),
  fc.constantFrom(
    Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"name":"\xff\xfe"}
    Buffer.from(nested(5000)), Buffer.from(`{"name":${nested(100)}}`), Buffer.from('null'), Buffer.from(''), Buffer.from('{"a":1,"a":2}'),
  ).map((bytes) => ({ bytes })),
  fc.oneof(hostileJson, specimenBody).map((value) => ({ bytes: gzipSync(Buffer.from(JSON.stringify(value) ?? 'null')), encoding: 'gzip' })),
  fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'identity', 'gzip, gzip').map((encoding) => ({ bytes: Buffer.from('{"name":"plain"}'), encoding })),
);

/** Content types a client may claim. */
export const contentType = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/merge-patch+json',
  'application/json-patch+json', 'application/x-ndjson', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/xml',
);

/** Query strings: parameters the routes know with hostile values, unknown and prototype keys, broken encodings. */
export const queryString: fc.Arbitrary<string> = fc.array(fc.oneof(
  fc.tuple(fc.constantFrom(
    'where[name]', 'where[name][contains]', 'where[name][endsWith]', 'where[email][eq]', 'where[age][gte]', 'where[age][in]', 'where[colour]',
    'where[or][0][name]', 'where[bio]', 'where[__proto__][x]', '__proto__', 'constructor[prototype][x]', 'filter', 'sort', 'limit', 'offset',
    'cursor', 'q', 'fields', 'deleted', 'total', 'draft', 'purge', 'revision', 'from', 'to', 'unknown', 'where[name][fuzzy]', 'expand',
  ), hostileString).map(([key, value]) => `${key}=${percentEncode(value)}`),
  fc.constantFrom('where[name][contains]=%00', 'where[name]=%zz', '%zz=1', 'limit=99999999999', 'sort=-age,name,-id', 'where[age][gte]=1e300'),
), { maxLength: 4 }).map((parts) => parts.join('&'));

/** Percent-encodes any string byte by byte (lone surrogates too, which encodeURIComponent refuses). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '../../lib/index.js';
import { latencies, percentile, report, throughput } from '../support/measure.js';
import { Person, personData } from '../support/person.js';

/**
 * Core benchmark: create / get / update / indexed-search throughput through the ResourceManager on
 * a SQLite file, bulk creates (`_bulk`, createMany) and `_import` (importRecords) in resources per
 * second, update cost at 1,000 revisions against 1 revision, and indexed search latency at 10,000
 * and 1,000,000 resources. `BENCH_LARGE` changes the large size (default 1,000,000).
 */
const LARGE = Number(process.env.BENCH_LARGE ?? 1_000_000);
const SMALL = 10_000;
/** Resources per `_bulk` / `_import` call, and how many calls are timed. */
const BULK = { size: 1000, calls: 10 };
const BULK_TARGET = 20_000;
const file = join(tmpdir(), `strata-bench-core-${process.pid}.sqlite`);
const person = personData;

/**
 * Bulk throughput on fresh SQLite files: BULK.calls createMany calls of BULK.size people (what
 * `POST /people/_bulk` runs), then the same resources exported and imported into a second app with
 * importRecords (what `POST /people/_import` runs), BULK.size records per call.
 */
async function bulkThroughput(): Promise<void> {
  const files = ['bulk', 'import'].map((name) => join(tmpdir(), `strata-bench-core-${name}-${process.pid}.sqlite`));
  const [source, target] = await Promise.all(files.map((path) => bootstrap(null, { resources: [Person], database: `sqlite:${path}`, plugins: [], logLevel: 'warn' })));
  try {
    const batches = Array.from({ length: BULK.calls }, (_, call) => Array.from({ length: BULK.size }, (_, index) => person(30_000_000 + call * BULK.size + index)));
    await source.manager(Person).createMany(batches[0].map((_, index) => person(31_000_000 + index))); // warm-up, not timed
    const created = await throughput(BULK.calls, (call) => source.manager(Person).createMany(batches[call]));
    report(`bulk create (_bulk, ${BULK.size} per call)`, created * BULK.size, 'resources/s', { limit: BULK_TARGET, atMost: false });
    const records: unknown[] = [];
    for await (const record of source.manager(Person).exportRecords()) records.push(record);
    const imports = Array.from({ length: BULK.calls }, (_, call) => records.slice(BULK.size + call * BULK.size, BULK.size * (call + 2)));
    await target.manager(Person).importRecords(records.slice(0, BULK.size)); // warm-up, not timed
    const imported = await throughput(BULK.calls, (call) => target.manager(Person).importRecords(imports[call]));
    report(`import (_import, ${BULK.size} records per call)`, imported * BULK.size, 'resources/s', { limit: BULK_TARGET, atMost: false });
  } finally {
    await Promise.all([source.close(), target.close()]);
    for (const path of files) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  }
}

async function main(): Promise<void> {
  const strata = await bootstrap(null, { resources: [Person], database: `sqlite:${file}`, plugins: [], logLevel: 'warn' });
  const people = strata.manager(Person);
  console.log(`Strata core benchmark (SQLite file, node ${process.version})`);

  const ids: string[] = [];
  report('create (one per transaction)', await throughput(2000, async (index) => ids.push((await people.create(person(index))).id)), 'ops/s');
  report('get by id', await throughput(5000, (index) => people.get(ids[index % ids.length])), 'ops/s');
  report('update (new revision)', await throughput(2000, (index) => people.update(ids[index % ids.length], { ...person(index % ids.length), age: 1 + (index % 80) })), 'ops/s');
  report('indexed search (age = n, limit 20)', await throughput(2000, (index) => people.list({ where: { age: index % 90 }, limit: 20 })), 'ops/s');
  await bulkThroughput();

  // Update cost does not grow with history: a resource with 1,000 revisions versus fresh ones with 1.
  // Samples alternate between the two so drift (WAL growth, checkpoints) hits both alike.
  const fresh = (await people.createMany(Array.from({ length: 1000 }, (_, index) => person(10_000_000 + index)))).map((created) => created.id);
  const deep = await people.create(person(11_000_000));
  for (let revision = 0; revision < 999; revision++) await people.update(deep.id, { ...person(11_000_000), age: revision % 90 });
  const shallowSamples: number[] = [];
  const deepSamples: number[] = [];
  for (let index = 0; index < 1000; index++) {
    shallowSamples.push(...await latencies(1, () => people.update(fresh[index], { ...person(10_000_000 + index), age: 1 + (index % 80) })));
    deepSamples.push(...await latencies(1, () => people.update(deep.id, { ...person(11_000_000), age: 1 + (index % 80) })));
  }
  const shallowCost = percentile(shallowSamples.sort((a, b) => a - b), 0.5);
  const deepCost = percentile(deepSamples.sort((a, b) => a - b), 0.5);
  report('update p50, resources with 1 revision', shallowCost, 'ms');
  report('update p50, resource with 1,000+ revisions', deepCost, 'ms');
  report('update cost ratio (1,000 revisions / 1)', deepCost / shallowCost, 'x', { limit: 1.1 });

  // Search latency as the collection grows from 10,000 to LARGE resources.
  await fillTo(people, SMALL);
  const small = await searchLatency(people, SMALL);
  await fillTo(people, LARGE);
  const large = await searchLatency(people, LARGE);
  report(`search p50 at ${SMALL.toLocaleString('en')} resources`, small, 'ms');
  report(`search p50 at ${LARGE.toLocaleString('en')} resources`, large, 'ms', { limit: 5 });
  report(`search growth (${LARGE.toLocaleString('en')} / ${SMALL.toLocaleString('en')})`, large / small, 'x', { limit: 2 });

  await strata.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

type People = ReturnType<Awaited<ReturnType<typeof bootstrap>>['manager']>;

/** Adds resources with createMany (1,000 per transaction) until the collection holds `target`. */
async function fillTo(people: People, target: number): Promise<void> {
  let count = await people.count({});
  const started = Date.now();
  while (count < target) {
    const batch = Math.min(1000, target - count);
    await people.createMany(Array.from({ length: batch }, (_, offset) => person(20_000_000 + count + offset)));
    count += batch;
  }
  if (Date.now() - started > 1000) console.log(`  (filled to ${target.toLocaleString('en')} in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** p50 of a mix of indexed searches: equality on a unique field, a range sorted by the field, and an equality page. */
async function searchLatency(people: People, size: number): Promise<number> {
  const queries = [
    (index: number) => people.list({ where: { email: `person${20_000_000 + ((index * 7919) % size)}@example.com` } }),
    (index: number) => people.list({ where: { age: { gte: index % 80, lt: (index % 80) + 5 } }, sort: 'age', limit: 20 }),
    (index: number) => people.list({ where: { name: `Person ${20_000_000 + ((index * 104729) % size)}` }, limit: 20 }),
  ];
  for (let index = 0; index < 30; index++) await queries[index % 3](index);
  return percentile(await latencies(600, (index) => queries[index % 3](index)), 0.5);
}

await main();

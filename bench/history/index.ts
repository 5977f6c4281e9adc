import 'reflect-metadata';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { bootstrap, restPlugin } from '../../index.js';
import { latencies, percentile, report } from '../support/measure.js';
import { Person, personData } from '../support/person.js';

/**
 * History tools benchmark over HTTP on a SQLite file: `GET /:id?asOf=` on a resource with 1,000
 * revisions against a plain `GET /:id` of the same resource (samples alternate, so drift hits both
 * alike; target ≤ 2×), and one `PATCH /_bulk` over 10,000 resources (resources per second).
 * `BENCH_BULK` changes the bulk size.
 */
const BULK = Number(process.env.BENCH_BULK ?? 10_000);
const file = join(tmpdir(), `strata-bench-history-${process.pid}.sqlite`);

async function main(): Promise<void> {
  const app = express();
  const strata = await bootstrap(app, { resources: [Person], database: `sqlite:${file}`, defaultPlugins: false, plugins: [restPlugin()], logLevel: 'warn' });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/people`;
  const people = strata.manager(Person);
  console.log(`Strata history benchmark (HTTP, SQLite file, node ${process.version})`);

  const deep = await people.create(personData(1));
  const times: string[] = [];
  for (let revision = 2; revision <= 1000; revision++) {
    await people.update(deep.id, { ...personData(1), age: revision % 90 });
    if (revision % 100 === 0) times.push(new Date().toISOString());
  }
  const plainSamples: number[] = [];
  const asOfSamples: number[] = [];
  for (let index = 0; index < 1000; index++) {
    plainSamples.push(...await latencies(1, () => fetch(`${base}/${deep.id}`).then((response) => response.text())));
    asOfSamples.push(...await latencies(1, () => fetch(`${base}/${deep.id}?asOf=${times[index % times.length]}`).then((response) => response.text())));
  }
  const plain = percentile(plainSamples.sort((a, b) => a - b), 0.5);
  const asOf = percentile(asOfSamples.sort((a, b) => a - b), 0.5);
  report('GET /:id p50 (1,000 revisions)', plain, 'ms');
  report('GET /:id?asOf= p50 (1,000 revisions)', asOf, 'ms');
  report('as-of get / plain get', asOf / plain, 'x', { limit: 2 });

  await people.createMany(Array.from({ length: BULK }, (_, index) => ({ ...personData(100 + index), age: 40 })));
  const started = process.hrtime.bigint();
  const response = await fetch(`${base}/_bulk`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ where: { age: 40 }, patch: { age: 41 } }),
  });
  const body = await response.json() as { count: number };
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (response.status !== 200 || body.count !== BULK) throw new Error(`PATCH /_bulk answered ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  report(`PATCH /_bulk of ${BULK} resources (one request)`, seconds, 's');
  report('bulk patch throughput', BULK / seconds, 'resources/s');

  server.close();
  await strata.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

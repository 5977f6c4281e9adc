import 'reflect-metadata';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { bootstrap } from '../../index.js';
import { latencies, percentile, report } from '../support/measure.js';
import { Person, personData } from '../support/person.js';

/**
 * GraphQL benchmark: the p50 latency of listing 100 resources over GraphQL divided by the same
 * list over REST, on one app (SQLite file, default plugins), over real HTTP. The GraphQL query asks
 * for everything the REST list returns (every field and all of `_meta`), so both send the same
 * data; samples alternate between the two so drift hits both alike. Also prints, for information,
 * the same GraphQL list with each item's first revisions page.
 */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const WARMUP = 200;
const META = 'revision revisionId revisionCount etag status deleted schemaVersion createdAt createdBy updatedAt updatedBy';
const LIST = `query List { persons(limit: 100) { items { id name email age bio _meta { ${META} } } nextCursor } }`;
const WITH_REVISIONS = `query ListWithRevisions { persons(limit: 100) { items { id name _meta { revision } revisions { items { revision status createdAt } nextCursor } } } }`;
const file = join(tmpdir(), `strata-bench-graphql-${process.pid}.sqlite`);

async function main(): Promise<void> {
  const app = express();
  const strata = await bootstrap(app, { resources: [Person], database: `sqlite:${file}`, logLevel: 'warn' });
  const server = await new Promise<Server>((resolve) => { const listening = app.listen(0, '127.0.0.1', () => resolve(listening)); });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`Strata GraphQL benchmark (SQLite file, node ${process.version}, ${SAMPLES} samples each)`);

  const people = strata.manager(Person);
  const created = await people.createMany(Array.from({ length: 100 }, (_, index) => personData(index)));
  for (const person of created.slice(0, 50)) await people.patch(person.id, { age: 1 });

  const rest = async () => {
    const response = await fetch(`${base}/people?limit=100`);
    return check(response, (body) => (body as { items: unknown[] }).items.length);
  };
  const graphql = (query: string) => async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query }),
    });
    return check(response, (body) => (body as { data: { persons: { items: unknown[] } } }).data.persons.items.length);
  };
  const [restList, graphqlList, graphqlRevisions] = [rest, graphql(LIST), graphql(WITH_REVISIONS)];
  for (let index = 0; index < WARMUP; index++) await Promise.all([restList(), graphqlList(), graphqlRevisions()].map((run) => run));

  const samples = { rest: [] as number[], graphql: [] as number[], revisions: [] as number[] };
  for (let index = 0; index < SAMPLES; index++) {
    samples.rest.push(...await latencies(1, restList));
    samples.graphql.push(...await latencies(1, graphqlList));
    samples.revisions.push(...await latencies(1, graphqlRevisions));
  }
  const p50 = (values: number[]) => percentile(values.sort((a, b) => a - b), 0.5);
  const restP50 = p50(samples.rest);
  const graphqlP50 = p50(samples.graphql);
  report('REST GET /people?limit=100, p50', restP50, 'ms');
  report('GraphQL persons(limit: 100), same fields, p50', graphqlP50, 'ms');
  report('GraphQL / REST latency ratio', graphqlP50 / restP50, 'x', { limit: 1.3 });
  report('GraphQL persons(limit: 100) with revisions, p50', p50(samples.revisions), 'ms');

  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await strata.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/** Reads a response, failing the run on anything but a full page of 100. */
async function check(response: Response, count: (body: unknown) => number): Promise<void> {
  const text = await response.text();
  if (response.status !== 200 || count(JSON.parse(text)) !== 100) throw new Error(`unexpected response ${response.status}: ${text.slice(0, 300)}`);
}

await main();

import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from '../support/measure.js';
import { runLoad, type LoadRequest } from './load.js';
import { startLimit } from './limit-server.js';
import { person, startBaseline, startStrata } from './servers.js';

/**
 * REST benchmark: requests per second of `GET /people/:id`, `POST /people` and a filtered list
 * (`where[age][gte]=n&limit=20`) on a quickstart-style Strata app (bootstrap on Express, default
 * plugins, SQLite file) against a hand-written Express + MikroORM app doing the same read or insert
 * on the same kind of database, a Strata app with `permissionsPlugin()` (one role, one row scope),
 * and the raw limit of the box (`node:http` and prepared
 * `sqlite3` statements, bench/rest/limit-server.ts). Each server runs in its own process; this
 * process is the load generator: BENCH_CONCURRENCY keep-alive clients (default 16) on 127.0.0.1, a
 * fixed number of requests per run, runs alternating between the servers, the median of
 * BENCH_ROUNDS (default 3) kept. At the end it prints the Strata server's peak RSS.
 * `node --cpu-prof dist/bench/rest/index.js` profiles the servers too (children inherit the flag).
 */
const SEED = Number(process.env.BENCH_SEED ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
/** Strata / baseline and Strata / limit the issue asks for (issue 17). */
const TARGETS = { read: { baseline: 1.5, limit: 0.45 }, create: { baseline: 1.5, limit: 0.4 } };
/** The Strata server's peak resident memory, at most (MB). */
const PEAK_RSS_MB = 200;
/** Permissions (one role, one row scope) may cost at most 15% on a filtered list: permissions / plain ≥ 0.87 (1 / 1.15). */
const PERMISSIONS_LIST_TARGET = 0.87;

type Kind = 'strata' | 'permissions' | 'baseline' | 'limit';
const KINDS: readonly Kind[] = ['strata', 'permissions', 'baseline', 'limit'];
interface ServerHandle { kind: Kind; port: number; ids: string[]; child: ChildProcess; created: number }

interface Scenario {
  name: string;
  count: number;
  expectedStatus: number;
  target: { baseline: number; limit: number };
  request(server: ServerHandle, index: number): LoadRequest;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'GET /people/:id', count: 6000 * SCALE, expectedStatus: 200, target: TARGETS.read,
    request: (server, index) => ({ method: 'GET', path: `/people/${server.ids[(index * 7919) % server.ids.length]}` }),
  },
  {
    name: 'GET /people?where[age][gte]=n&limit=20', count: 3000 * SCALE, expectedStatus: 200, target: TARGETS.read,
    request: (_server, index) => ({ method: 'GET', path: `/people?where[age][gte]=${index % 90}&limit=20` }),
  },
  {
    name: 'POST /people', count: 3000 * SCALE, expectedStatus: 201, target: TARGETS.create,
    request: (server, _index) => ({ method: 'POST', path: '/people', body: person(1_000_000 + server.created++) }),
  },
];
const WARMUP = 500;

async function main(): Promise<void> {
  console.log(`Strata REST benchmark: Strata (bootstrap, default plugins) vs Express + MikroORM vs the raw limit, SQLite file, ${SEED.toLocaleString('en')} people,`);
  console.log(`${CONCURRENCY} keep-alive clients on 127.0.0.1, median of ${ROUNDS} alternating runs, node ${process.version}`);
  console.log('Strata with permissions: permissionsPlugin(), every request by one role whose rule has one row scope (age >= 0)');
  const servers = await Promise.all(KINDS.map(startServer));
  try {
    for (const scenario of SCENARIOS) {
      const results: Record<Kind, number[]> = { strata: [], permissions: [], baseline: [], limit: [] };
      for (const server of servers) await measure(server, scenario, WARMUP);
      for (let round = 0; round < ROUNDS; round++) {
        // Each server takes each place in the order in turn, so drift hits them alike.
        const order = servers.map((_, index) => servers[(index + round) % servers.length]);
        for (const server of order) results[server.kind].push(await measure(server, scenario, scenario.count));
      }
      const [strata, permissions, baseline, limit] = KINDS.map((kind) => median(results[kind]));
      console.log(scenario.name);
      report('  Strata', strata, 'req/s');
      report('  Strata with permissions', permissions, 'req/s');
      report('  Express + MikroORM', baseline, 'req/s');
      report('  raw limit (node:http + prepared sqlite3)', limit, 'req/s');
      report('  ratio Strata / baseline', strata / baseline, 'x', { limit: scenario.target.baseline, atMost: false });
      report('  ratio Strata / limit', strata / limit, 'x', { limit: scenario.target.limit, atMost: false });
      report('  ratio Strata with permissions / baseline', permissions / baseline, 'x');
      report('  ratio with permissions / without', permissions / strata, 'x', scenario.name.includes('where') ? { limit: PERMISSIONS_LIST_TARGET, atMost: false } : undefined);
    }
    report('Strata server peak RSS', await peakRss(servers[0]), 'MB', { limit: PEAK_RSS_MB });
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}

/** Runs `count` requests of `scenario` against one server and returns requests per second; a wrong status aborts the benchmark. */
async function measure(server: ServerHandle, scenario: Scenario, count: number): Promise<number> {
  const result = await runLoad(server.port, count, CONCURRENCY, scenario.expectedStatus, (index) => scenario.request(server, index));
  if (result.failures > 0) throw new Error(`${server.kind}: ${result.failures} of ${count} requests failed; first: ${result.firstFailure}`);
  return result.requestsPerSecond;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The peak resident set size of a server process so far, in MB (it answers an IPC `rss` message). */
function peakRss(server: ServerHandle): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (message: { maxRssKb: number }) => resolve(message.maxRssKb / 1024));
    server.child.send('rss');
  });
}

/** Forks this file as a server process and waits until it has seeded its database and listens. */
function startServer(kind: Kind): Promise<ServerHandle> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['serve', kind, String(SEED)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message: { port: number; ids: string[] }) => resolve({ kind, port: message.port, ids: message.ids, child, created: 0 }));
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited with code ${code} before it was ready`)));
  });
}

/** The server process: a fresh SQLite file, seeded, listening until the parent stops it. */
async function serve(kind: Kind, seed: number): Promise<void> {
  const file = join(tmpdir(), `strata-bench-rest-${kind}-${process.pid}.sqlite`);
  const remove = () => { for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true }); };
  remove();
  const server = kind === 'baseline' ? await startBaseline(file, seed) : kind === 'limit' ? await startLimit(file, seed)
    : await startStrata(file, seed, { permissions: kind === 'permissions' });
  const stop = async () => {
    await server.close();
    remove();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  process.on('message', (message) => {
    if (message === 'rss') process.send!({ maxRssKb: process.resourceUsage().maxRSS });
  });
  process.send!({ port: server.port, ids: server.ids.slice(0, 2000) });
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Kind, Number(process.argv[4]));
} else {
  await main();
}

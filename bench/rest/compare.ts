import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from '../support/measure.js';
import { runLoad, type LoadRequest } from './load.js';
import { person } from './servers.js';

/**
 * Head to head: the Strata server of this checkout against the Strata server of another built
 * checkout (`node dist/bench/rest/compare.js ../strata-before`), same seed, runs alternating, so a
 * change's cost shows without the hand-written baseline's own variance in between. Prints the
 * median requests per second of each and the ratio this / other for GET by id and POST.
 */
const OTHER = process.argv[2];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SEED = Number(process.env.BENCH_SEED ?? 10_000);

interface Server { name: string; child: ChildProcess; port: number; ids: string[]; created: number }

const SCENARIOS: { name: string; count: number; status: number; request(server: Server, index: number): LoadRequest }[] = [
  { name: 'GET /people/:id', count: 6000, status: 200, request: (server, index) => ({ method: 'GET', path: `/people/${server.ids[(index * 7919) % server.ids.length]}` }) },
  { name: 'POST /people', count: 3000, status: 201, request: (server) => ({ method: 'POST', path: '/people', body: person(2_000_000 + server.created++) }) },
];

function start(name: string, checkout: string): Promise<Server> {
  return new Promise((done, fail) => {
    const child = fork(resolve(checkout, 'dist/bench/rest/index.js'), ['serve', 'strata', String(SEED)], { cwd: checkout, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message: { port: number; ids: string[] }) => done({ name, child, port: message.port, ids: message.ids, created: 0 }));
    child.once('exit', (code) => fail(new Error(`the ${name} server exited with code ${code} before it was ready`)));
  });
}

if (!OTHER) {
  console.error('usage: node dist/bench/rest/compare.js <path of another built Strata checkout>');
  process.exit(2);
}
const here = resolve(fileURLToPath(import.meta.url), '../../../..');
const servers = [await start('this', here), await start('other', OTHER)];
try {
  console.log(`Strata REST head to head: ${here} (this) vs ${resolve(OTHER)} (other), median of ${ROUNDS} alternating runs`);
  for (const scenario of SCENARIOS) {
    const results = new Map<Server, number[]>(servers.map((server) => [server, []]));
    for (const server of servers) await runLoad(server.port, 500, CONCURRENCY, scenario.status, (index) => scenario.request(server, index));
    for (let round = 0; round < ROUNDS; round++) {
      for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
        const result = await runLoad(server.port, scenario.count, CONCURRENCY, scenario.status, (index) => scenario.request(server, index));
        if (result.failures > 0) throw new Error(`${server.name}: ${result.failures} requests failed; first: ${result.firstFailure}`);
        results.get(server)!.push(result.requestsPerSecond);
      }
    }
    const [mine, other] = servers.map((server) => median(results.get(server)!));
    console.log(scenario.name);
    report('  this checkout', mine, 'req/s');
    report('  other checkout', other, 'req/s');
    report('  ratio this / other', mine / other, 'x');
  }
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

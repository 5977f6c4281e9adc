import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap, eventsPlugin, type Strata } from '../../index.js';
import { percentile, report } from '../support/measure.js';
import { Person, personData } from '../support/person.js';

/**
 * Events benchmark: what the change log costs a write. Creates and updates per second through the
 * ResourceManager on a SQLite file, with `eventsPlugin()` and without, in the same run. The two apps
 * (one file each) take turns in short blocks, so drift (WAL growth, checkpoints, a busy neighbour)
 * hits both alike; the cost of each pair of blocks is the time with events divided by the time
 * without, and the cost printed is the median of those pairs (target ≤ 1.15).
 * `BENCH_BLOCK` sets the writes per block (default 100), `BENCH_ROUNDS` the pairs (default 40);
 * `BENCH_EVENTS_OFF=1` leaves the plugin out of both apps, to see the noise floor (cost ≈ 1).
 */
const BLOCK = Number(process.env.BENCH_BLOCK ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

interface Side {
  readonly file: string;
  readonly strata: Strata;
  readonly ids: string[];
  /** Seconds of each block of creates and of updates, in round order. */
  readonly creates: number[];
  readonly updates: number[];
}

async function open(name: string, withEvents: boolean): Promise<Side> {
  const file = join(tmpdir(), `strata-bench-events-${name}-${process.pid}.sqlite`);
  const plugins = withEvents && process.env.BENCH_EVENTS_OFF === undefined ? [eventsPlugin()] : [];
  const strata = await bootstrap(null, { resources: [Person], database: `sqlite:${file}`, plugins, logLevel: 'warn' });
  return { file, strata, ids: [], creates: [], updates: [] };
}

/** Runs `work` `count` times, one after another, and returns the seconds it took. */
async function timed(count: number, work: (index: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) await work(index);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** One block of creates then one of updates (of earlier resources, each a new revision). */
async function block(side: Side, round: number): Promise<void> {
  const people = side.strata.manager(Person);
  const offset = round * BLOCK;
  side.creates.push(await timed(BLOCK, async (index) => side.ids.push((await people.create(personData(offset + index))).id)));
  side.updates.push(await timed(BLOCK, (index) => {
    const target = (offset * 7 + index * 13) % side.ids.length;
    return people.update(side.ids[target], { ...personData(target), age: 1 + ((round + index) % 80) });
  }));
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const median = (values: readonly number[]) => percentile([...values].sort((a, b) => a - b), 0.5);
const pairedCost = (on: readonly number[], off: readonly number[]) => median(on.map((seconds, index) => seconds / off[index]));

async function main(): Promise<void> {
  const off = await open('off', false);
  const on = await open('on', true);
  try {
    console.log(`Strata events benchmark (ResourceManager, SQLite file, node ${process.version}): ${ROUNDS} rounds of ${BLOCK} creates and ${BLOCK} updates, events off vs on`);
    // Warm-up blocks, not counted, so JIT and the page cache start alike.
    for (const side of [off, on]) {
      await block(side, 0);
      side.creates.length = 0;
      side.updates.length = 0;
    }
    // Alternate who goes first, so neither always follows the other's checkpoint.
    for (let round = 1; round <= ROUNDS; round++) for (const side of round % 2 === 0 ? [off, on] : [on, off]) await block(side, round);
    const writes = ROUNDS * BLOCK;
    report('create without events', writes / sum(off.creates), 'ops/s');
    report('create with eventsPlugin()', writes / sum(on.creates), 'ops/s');
    report('update without events', writes / sum(off.updates), 'ops/s');
    report('update with eventsPlugin()', writes / sum(on.updates), 'ops/s');
    report('create cost (time with events / without, median)', pairedCost(on.creates, off.creates), 'x', { limit: 1.15 });
    report('update cost (time with events / without, median)', pairedCost(on.updates, off.updates), 'x', { limit: 1.15 });
    const both = (side: Side) => side.creates.map((seconds, index) => seconds + side.updates[index]);
    report('write cost, creates and updates (with / without, median)', pairedCost(both(on), both(off)), 'x', { limit: 1.15 });
  } finally {
    for (const side of [off, on]) {
      await side.strata.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(side.file + suffix, { force: true });
    }
  }
}

await main();

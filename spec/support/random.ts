import { randomInt } from 'node:crypto';

/** A seeded pseudo-random source, so a run that fails can be replayed exactly. */
export interface SeededRandom {
  readonly seed: number;
  /** A number in [0, 1). */
  next(): number;
  /** A whole number from `min` to `max`, both included. */
  between(min: number, max: number): number;
}

/**
 * A mulberry32 generator seeded from the environment variable `variable` when it is set (to replay
 * a failure), else from a fresh random seed; print `seed` whenever a test fails.
 * @example const random = seededRandom('STRATA_EVENTS_SEED'); const delay = random.between(0, 100);
 */
export function seededRandom(variable: string): SeededRandom {
  const given = process.env[variable];
  const seed = given !== undefined && given !== '' ? Number(given) >>> 0 : randomInt(2 ** 31);
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { seed, next, between: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/**
 * Deterministic clock and randomness for tests and benchmarks of the decision modules (and of the
 * data path, which takes the same `Clock`/`Rng`). Not used in production code paths.
 */
import type { Clock, EndpointView, Rng } from './types.js';

/**
 * mulberry32: a tiny 32-bit seeded PRNG, uniform enough for distribution tests and fast enough for
 * benchmarks. The same seed always yields the same sequence.
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An Rng that replays `values` in order (then repeats them), for tests that need exact draws. */
export function sequenceRng(values: readonly number[]): Rng {
  if (values.length === 0) throw new Error('sequenceRng needs at least one value');
  let i = 0;
  return () => values[i++ % values.length] as number;
}

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    if (ms < 0) throw new Error('FakeClock cannot go backwards');
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/** A mutable endpoint for tests: the data path owns `active`, tests poke it directly. */
export interface TestEndpoint extends EndpointView {
  active: number;
  weight: number;
  activeSince?: number;
}

export function testEndpoint(id: string, init: Partial<Omit<TestEndpoint, 'id'>> = {}): TestEndpoint {
  const e: TestEndpoint = { id, weight: init.weight ?? 100, active: init.active ?? 0, version: init.version ?? 'v1' };
  if (init.activeSince !== undefined) e.activeSince = init.activeSince;
  return e;
}

/** Counts how often each id comes back from `pick` over `n` calls. */
export function countPicks(n: number, pick: () => EndpointView): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = pick().id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

import { describe, expect, it } from 'vitest';
import { SlowStart } from '../slow-start.js';
import { FakeClock, countPicks, seededRng, testEndpoint } from '../testing.js';
import type { Clock } from '../types.js';
import { BALANCER_NAMES, createBalancer } from './index.js';

/**
 * Slow start through every balancer: three endpoints of equal weight, one of them just added, its
 * share over many picks at the start of the window, half-way through and at its end. Weighted,
 * random and round-robin give it f / (2 + f) (f its factor: a weight of f next to two of 1); the
 * two-choice balancers admit the pair's winner with probability f, which at light load (nothing in
 * flight, every pair a tie) gives f / 3.
 */
const WINDOW = 10_000;
const options = { windowMs: WINDOW, aggression: 1, minWeightPercent: 10 };
const PICKS = 30_000;

const proportional = (f: number) => f / (2 + f);
const admitted = (f: number) => f / 3;
const expectedShare: Record<(typeof BALANCER_NAMES)[number], (f: number) => number> = {
  'round-robin': proportional,
  random: proportional,
  weighted: proportional,
  'least-request': admitted,
  'peak-ewma': admitted,
};

function setup(name: (typeof BALANCER_NAMES)[number], seed: number, clock: Clock = new FakeClock(0)) {
  const slowStart = new SlowStart(clock, options);
  slowStart.started(0);
  const lb = createBalancer(name, { clock, rng: seededRng(seed), slowStart });
  return { lb, slowStart };
}

describe.each(BALANCER_NAMES.map((name, i) => ({ name, seed: 100 + i })))('slow start with $name', ({ name, seed }) => {
  const eps = [testEndpoint('a'), testEndpoint('b'), testEndpoint('new', { activeSince: 0 })];

  it.each([
    { at: 0, factor: 0.1 },
    { at: WINDOW / 2, factor: 0.5 },
    { at: WINDOW, factor: 1 },
  ])('gives the new endpoint its ramped share at t=$at', ({ at, factor }) => {
    const clock = new FakeClock(at);
    const { lb } = setup(name, seed, clock);
    const share = (countPicks(PICKS, () => lb.pick(eps)).get('new') ?? 0) / PICKS;
    expect(Math.abs(share - expectedShare[name](factor))).toBeLessThan(0.01);
    if (factor === 1) expect(Math.abs(share - 1 / 3)).toBeLessThan(0.01);
  });

  it('takes the time the data path passes', () => {
    const { lb } = setup(name, seed, new FakeClock(WINDOW)); // the clock says the window is over...
    const share = (countPicks(PICKS, () => lb.pick(eps, undefined, 0)).get('new') ?? 0) / PICKS;
    expect(Math.abs(share - expectedShare[name](0.1))).toBeLessThan(0.01); // ...the passed time does not
  });

  it('does not throttle endpoints that all started together', () => {
    const together = ['a', 'b', 'c'].map((id) => testEndpoint(id, { activeSince: 0 }));
    const { lb } = setup(name, seed);
    const counts = countPicks(PICKS, () => lb.pick(together));
    for (const id of ['a', 'b', 'c']) expect(Math.abs((counts.get(id) ?? 0) / PICKS - 1 / 3)).toBeLessThan(0.01);
  });

  it('sends a retry to the new endpoint when everything else was tried', () => {
    const { lb } = setup(name, seed);
    const counts = countPicks(1000, () => lb.pick(eps, new Set(['a', 'b'])));
    expect(counts.get('new')).toBe(1000);
  });

  it('ramps a retry against the endpoints still eligible', () => {
    const { lb } = setup(name, seed);
    const counts = countPicks(PICKS, () => lb.pick(eps, new Set(['a'])));
    expect(counts.get('a')).toBeUndefined();
    const share = (counts.get('new') ?? 0) / PICKS;
    // Two eligible: b at 1, the new endpoint at 0.1.
    const expected = expectedShare[name] === proportional ? 0.1 / 1.1 : 0.1 / 2;
    expect(Math.abs(share - expected)).toBeLessThan(0.01);
  });
});

describe('slow start on the hot path', () => {
  /** Counts clock reads: a pick outside any window must not read the clock. */
  class CountingClock extends FakeClock {
    reads = 0;
    override now(): number {
      this.reads++;
      return super.now();
    }
  }

  it.each(['round-robin', 'random', 'weighted', 'least-request'] as const)(
    '%s reads the clock once after the window ended, then never',
    (name) => {
      const clock = new CountingClock(0);
      const { lb, slowStart } = setup(name, 7, clock);
      const eps = [testEndpoint('a'), testEndpoint('b'), testEndpoint('new', { activeSince: 0 })];
      clock.set(WINDOW);
      clock.reads = 0;
      lb.pick(eps);
      expect(slowStart.ramping).toBe(false);
      for (let i = 0; i < 100; i++) lb.pick(eps);
      expect(clock.reads).toBe(1);
    },
  );

  it('a balancer created without an upstream has slow start off', () => {
    const lb = createBalancer('round-robin', { clock: new FakeClock(), rng: seededRng(1) });
    const eps = [testEndpoint('a'), testEndpoint('b'), testEndpoint('new', { activeSince: 0 })];
    expect(countPicks(300, () => lb.pick(eps)).get('new')).toBe(100);
  });

  it('weighted scales registered weights and keeps picks interleaved', () => {
    const clock = new FakeClock(WINDOW / 2);
    const slowStart = new SlowStart(clock, options);
    slowStart.started(0);
    const lb = createBalancer('weighted', { clock, rng: () => 0, slowStart });
    // Weight 4 at factor 0.5 counts as 2: a, b and new get 2 of every 6 picks.
    const eps = [
      testEndpoint('a', { weight: 2 }),
      testEndpoint('b', { weight: 2 }),
      testEndpoint('new', { weight: 4, activeSince: 0 }),
    ];
    for (let cycle = 0; cycle < 20; cycle++) {
      const ids = Array.from({ length: 6 }, () => lb.pick(eps).id);
      expect(ids.filter((id) => id === 'new')).toHaveLength(2);
      expect(ids.join('')).not.toMatch(/(newnew|aa|bb)/); // never twice in a row at equal effective weights
    }
  });
});

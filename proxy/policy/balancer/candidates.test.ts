import { describe, expect, it } from 'vitest';
import { seededRng, testEndpoint } from '../testing.js';
import { countEligible, drawPair, indexOfEligible, randomIndex } from './candidates.js';

const eps = ['a', 'b', 'c', 'd'].map((id) => testEndpoint(id));

describe('eligible candidates', () => {
  it('counts candidates not in avoid, or all of them when every one is avoided', () => {
    expect(countEligible(eps, undefined)).toBe(4);
    expect(countEligible(eps, new Set())).toBe(4);
    expect(countEligible(eps, new Set(['b', 'x']))).toBe(3);
    expect(countEligible(eps, new Set(['a', 'b', 'c', 'd']))).toBe(4);
  });

  it('addresses eligible candidates by rank', () => {
    const avoid = new Set(['a', 'c']);
    expect(indexOfEligible(eps, avoid, 2, 0)).toBe(1);
    expect(indexOfEligible(eps, avoid, 2, 1)).toBe(3);
  });

  it('never indexes past the end even if the rng returns 1', () => {
    expect(randomIndex(() => 1, 3)).toBe(2);
    expect(randomIndex(() => 0, 3)).toBe(0);
  });

  it('draws two distinct eligible indices, every pair about equally often', () => {
    const rng = seededRng(1);
    const avoid = new Set(['d']);
    const pair = { a: 0, b: 0 };
    const counts = new Map<string, number>();
    let bad = 0;
    for (let i = 0; i < 60_000; i++) {
      drawPair(rng, eps, avoid, 3, pair);
      if (pair.a === pair.b || pair.a === 3 || pair.b === 3) bad++;
      const key = `${pair.a}${pair.b}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(bad).toBe(0);
    expect(counts.size).toBe(6); // ordered pairs of 3
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});

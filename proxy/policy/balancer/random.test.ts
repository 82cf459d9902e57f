import { describe, expect, it } from 'vitest';
import { countPicks, seededRng, testEndpoint } from '../testing.js';
import { RandomBalancer } from './random.js';

const eps = ['a', 'b', 'c', 'd'].map((id) => testEndpoint(id));

describe('RandomBalancer', () => {
  it('spreads uniformly', () => {
    const lb = new RandomBalancer(seededRng(3));
    const counts = countPicks(40_000, () => lb.pick(eps));
    for (const ep of eps) expect(Math.abs((counts.get(ep.id) ?? 0) - 10_000)).toBeLessThan(500);
  });

  it('never picks an avoided endpoint while another is left', () => {
    const lb = new RandomBalancer(seededRng(4));
    const avoid = new Set(['a', 'c']);
    const counts = countPicks(10_000, () => lb.pick(eps, avoid));
    expect([...counts.keys()].sort()).toEqual(['b', 'd']);
    expect(Math.abs((counts.get('b') ?? 0) - 5000)).toBeLessThan(300);
  });

  it('falls back to all endpoints when all are avoided', () => {
    const lb = new RandomBalancer(seededRng(5));
    const counts = countPicks(1000, () => lb.pick(eps, new Set(['a', 'b', 'c', 'd'])));
    expect(counts.size).toBe(4);
  });

  it('stays in bounds with extreme rng values', () => {
    expect(new RandomBalancer(() => 0).pick(eps).id).toBe('a');
    expect(new RandomBalancer(() => 0.9999999999).pick(eps).id).toBe('d');
    expect(new RandomBalancer(() => 1).pick(eps).id).toBe('d');
  });
});

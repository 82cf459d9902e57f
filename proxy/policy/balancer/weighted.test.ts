import { describe, expect, it } from 'vitest';
import type { TestEndpoint } from '../testing.js';
import { countPicks, seededRng, testEndpoint } from '../testing.js';
import { WeightedBalancer } from './weighted.js';

describe('WeightedBalancer', () => {
  const eps = [testEndpoint('a', { weight: 5 }), testEndpoint('b', { weight: 1 }), testEndpoint('c', { weight: 1 })];

  it('gives each endpoint its weight share', () => {
    const lb = new WeightedBalancer(seededRng(1));
    const counts = countPicks(7000, () => lb.pick(eps));
    expect(Math.abs((counts.get('a') ?? 0) - 5000)).toBeLessThanOrEqual(5);
    expect(Math.abs((counts.get('b') ?? 0) - 1000)).toBeLessThanOrEqual(5);
    expect(Math.abs((counts.get('c') ?? 0) - 1000)).toBeLessThanOrEqual(5);
  });

  it('interleaves picks instead of bursting the heavy endpoint (smooth)', () => {
    const lb = new WeightedBalancer(() => 0); // no random start offset: nginx's textbook sequence
    const seq = Array.from({ length: 7 }, () => lb.pick(eps).id).join('');
    expect(seq).toBe('aabacaa');
    // Every full cycle of 7 holds each endpoint exactly its weight times.
    for (let cycle = 0; cycle < 20; cycle++) {
      const ids = Array.from({ length: 7 }, () => lb.pick(eps).id);
      expect(ids.filter((id) => id === 'a')).toHaveLength(5);
      expect(ids.filter((id) => id === 'b')).toHaveLength(1);
    }
  });

  it('follows the extreme ratio 1:1000', () => {
    const lb = new WeightedBalancer(seededRng(2));
    const pair = [testEndpoint('light', { weight: 1 }), testEndpoint('heavy', { weight: 1000 })];
    const counts = countPicks(100_100, () => lb.pick(pair));
    expect(Math.abs((counts.get('light') ?? 0) - 100)).toBeLessThanOrEqual(2);
  });

  it('never picks a weight-0 endpoint while a weighted one is eligible', () => {
    const lb = new WeightedBalancer(seededRng(3));
    const zeroAndOne = [testEndpoint('zero', { weight: 0 }), testEndpoint('one', { weight: 1 })];
    const counts = countPicks(1000, () => lb.pick(zeroAndOne));
    expect(counts.get('zero')).toBeUndefined();
    expect(counts.get('one')).toBe(1000);
  });

  it('spreads evenly when every eligible weight is 0', () => {
    const lb = new WeightedBalancer(seededRng(4));
    const zeros = [testEndpoint('x', { weight: 0 }), testEndpoint('y', { weight: 0 })];
    const counts = countPicks(1000, () => lb.pick(zeros));
    expect(counts.get('x')).toBe(500);
    expect(counts.get('y')).toBe(500);
  });

  it('respects avoid, and shares among the rest by weight', () => {
    const lb = new WeightedBalancer(seededRng(5));
    const four = [...eps, testEndpoint('d', { weight: 2 })];
    const counts = countPicks(3000, () => lb.pick(four, new Set(['a'])));
    expect(counts.get('a')).toBeUndefined();
    expect(Math.abs((counts.get('d') ?? 0) - 1500)).toBeLessThanOrEqual(3);
  });

  it('picks a weight-0 endpoint that is the only one left after avoid... only if all are avoided', () => {
    const lb = new WeightedBalancer(seededRng(6));
    const pair = [testEndpoint('zero', { weight: 0 }), testEndpoint('one', { weight: 1 })];
    expect(lb.pick(pair, new Set(['one'])).id).toBe('zero');
    expect(lb.pick(pair, new Set(['one', 'zero'])).id).toBe('one');
  });

  it('keeps the score of each endpoint when the candidate list changes order or membership', () => {
    // Reference: the textbook algorithm with scores kept by id.
    const scores = new Map<string, number>();
    const reference = (list: TestEndpoint[]): string => {
      let total = 0;
      let best: TestEndpoint | undefined;
      for (const e of list) {
        total += e.weight;
        scores.set(e.id, (scores.get(e.id) ?? 0) + e.weight);
        if (best === undefined || scores.get(e.id)! > scores.get(best.id)!) best = e;
      }
      scores.set(best!.id, scores.get(best!.id)! - total);
      return best!.id;
    };
    const lb = new WeightedBalancer(() => 0);
    const a = testEndpoint('a', { weight: 3 });
    const b = testEndpoint('b', { weight: 1 });
    const c = testEndpoint('c', { weight: 2 });
    const lists = [[a, b], [b, a], [c, b, a], [a, c], [a, b, c], [b]];
    const got: string[] = [];
    const want: string[] = [];
    for (let i = 0; i < 600; i++) {
      const list = lists[(i * 7) % lists.length]!;
      got.push(lb.pick(list).id);
      want.push(reference(list));
    }
    expect(got.join('')).toBe(want.join(''));
  });

  it('forgets endpoints on retain', () => {
    const lb = new WeightedBalancer(() => 0);
    lb.pick(eps);
    lb.retain(new Set(['b']));
    // After forgetting a and c, their state restarts: the textbook sequence again.
    const seq = Array.from({ length: 7 }, () => lb.pick(eps).id);
    expect(seq.filter((id) => id === 'a')).toHaveLength(5);
  });
});

import { describe, expect, it } from 'vitest';
import { countPicks, seededRng, testEndpoint } from '../testing.js';
import { LeastRequestBalancer } from './least-request.js';

describe('LeastRequestBalancer', () => {
  it('never picks the single most loaded endpoint of three', () => {
    const lb = new LeastRequestBalancer(seededRng(1));
    const eps = [testEndpoint('busy', { active: 10 }), testEndpoint('b'), testEndpoint('c')];
    const counts = countPicks(10_000, () => lb.pick(eps));
    expect(counts.get('busy')).toBeUndefined();
  });

  it('picks the idle endpoint whenever it is drawn (2/3 of pairs)', () => {
    const lb = new LeastRequestBalancer(seededRng(2));
    const eps = [testEndpoint('idle'), testEndpoint('b', { active: 5 }), testEndpoint('c', { active: 5 })];
    const counts = countPicks(30_000, () => lb.pick(eps));
    expect(Math.abs((counts.get('idle') ?? 0) / 30_000 - 2 / 3)).toBeLessThan(0.02);
  });

  it('spreads evenly on ties', () => {
    const lb = new LeastRequestBalancer(seededRng(3));
    const eps = ['a', 'b', 'c'].map((id) => testEndpoint(id, { active: 2 }));
    const counts = countPicks(30_000, () => lb.pick(eps));
    for (const id of ['a', 'b', 'c']) expect(Math.abs((counts.get(id) ?? 0) - 10_000)).toBeLessThan(500);
  });

  it('follows load as the data path updates active counts', () => {
    const lb = new LeastRequestBalancer(seededRng(4));
    const eps = ['a', 'b'].map((id) => testEndpoint(id));
    // Requests that never finish: each pick raises the load of the picked endpoint.
    for (let i = 0; i < 100; i++) {
      const picked = lb.pick(eps);
      eps.find((e) => e.id === picked.id)!.active++;
    }
    expect(eps[0]!.active).toBe(50);
    expect(eps[1]!.active).toBe(50);
  });

  it('avoids endpoints already tried, even idle ones', () => {
    const lb = new LeastRequestBalancer(seededRng(5));
    const eps = [testEndpoint('idle'), testEndpoint('b', { active: 5 }), testEndpoint('c', { active: 9 })];
    const counts = countPicks(1000, () => lb.pick(eps, new Set(['idle'])));
    expect(counts.get('b')).toBe(1000);
  });

  it('handles one endpoint, and one left after avoid', () => {
    const lb = new LeastRequestBalancer(seededRng(6));
    expect(lb.pick([testEndpoint('solo', { active: 99 })]).id).toBe('solo');
    const eps = [testEndpoint('a'), testEndpoint('b', { active: 99 })];
    expect(lb.pick(eps, new Set(['a'])).id).toBe('b');
    expect(lb.pick(eps, new Set(['a', 'b'])).id).toBe('a');
  });
});

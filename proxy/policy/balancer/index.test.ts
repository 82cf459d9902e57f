import { describe, expect, it } from 'vitest';
import { FakeClock, seededRng, testEndpoint } from '../testing.js';
import type { BalancerName } from '../types.js';
import { BALANCER_NAMES, createBalancer, isBalancerName } from './index.js';

describe('createBalancer', () => {
  const deps = { clock: new FakeClock(), rng: seededRng(1) };

  it.each(BALANCER_NAMES)('creates %s, which picks among the candidates and honours avoid', (name) => {
    const lb = createBalancer(name, deps);
    expect(lb.name).toBe(name);
    const eps = ['a', 'b', 'c'].map((id) => testEndpoint(id));
    const avoid = new Set(['a', 'b']);
    for (let i = 0; i < 50; i++) expect(lb.pick(eps, avoid).id).toBe('c');
  });

  it('knows exactly the five policies', () => {
    expect([...BALANCER_NAMES].sort()).toEqual(['least-request', 'peak-ewma', 'random', 'round-robin', 'weighted']);
    expect(isBalancerName('weighted')).toBe(true);
    expect(isBalancerName('toString')).toBe(false);
  });

  it('rejects an unknown name with the list of known ones', () => {
    expect(() => createBalancer('fastest' as BalancerName, deps)).toThrow(/unknown balancer "fastest".*round-robin/);
  });
});

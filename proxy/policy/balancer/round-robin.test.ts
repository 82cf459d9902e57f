import { describe, expect, it } from 'vitest';
import { testEndpoint } from '../testing.js';
import { RoundRobinBalancer } from './round-robin.js';

const eps = ['a', 'b', 'c'].map((id) => testEndpoint(id));

describe('RoundRobinBalancer', () => {
  it('visits every endpoint in turn', () => {
    const lb = new RoundRobinBalancer();
    expect(Array.from({ length: 7 }, () => lb.pick(eps).id).join('')).toBe('abcabca');
  });

  it('starts at the given offset', () => {
    const lb = new RoundRobinBalancer(1);
    expect(lb.pick(eps).id).toBe('b');
  });

  it('skips avoided endpoints', () => {
    const lb = new RoundRobinBalancer();
    const avoid = new Set(['b']);
    expect(Array.from({ length: 4 }, () => lb.pick(eps, avoid).id).join('')).toBe('acac');
  });

  it('picks among all when every endpoint is avoided', () => {
    const lb = new RoundRobinBalancer();
    const avoid = new Set(['a', 'b', 'c']);
    expect(Array.from({ length: 3 }, () => lb.pick(eps, avoid).id).join('')).toBe('abc');
  });

  it('returns the only endpoint, avoided or not', () => {
    const lb = new RoundRobinBalancer();
    const one = [testEndpoint('solo')];
    expect(lb.pick(one).id).toBe('solo');
    expect(lb.pick(one, new Set(['solo'])).id).toBe('solo');
  });

  it('keeps spreading evenly when the set shrinks', () => {
    const lb = new RoundRobinBalancer();
    for (let i = 0; i < 5; i++) lb.pick(eps);
    const two = eps.slice(0, 2);
    const ids = Array.from({ length: 10 }, () => lb.pick(two).id);
    expect(ids.filter((id) => id === 'a')).toHaveLength(5);
  });

  it('has no latency estimate', () => {
    expect(new RoundRobinBalancer().estimateMs()).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { isPartitioned, partitionReason } from './partition.js';
import { T0, partitionDoc } from './testing.js';

describe('isPartitioned', () => {
  const p = partitionDoc({ a: ['gateway', 'ingress'], b: ['catalog'] });
  it('cuts both directions between the groups', () => {
    expect(isPartitioned([p], 'gateway', 'catalog', T0)?.id).toBe('p1');
    expect(isPartitioned([p], 'catalog', 'gateway', T0)?.id).toBe('p1');
    expect(isPartitioned([p], 'ingress', 'catalog', T0)?.id).toBe('p1');
  });
  it('leaves traffic inside a group and to others alone', () => {
    expect(isPartitioned([p], 'ingress', 'gateway', T0)).toBeUndefined();
    expect(isPartitioned([p], 'catalog', 'pricing', T0)).toBeUndefined();
  });
  it('ends at its expiresAt; without one it lasts until healed', () => {
    const ttl = partitionDoc({ expiresAt: new Date(T0 + 1000).toISOString() });
    expect(isPartitioned([ttl], 'gateway', 'catalog', T0 + 999)).toBeDefined();
    expect(isPartitioned([ttl], 'gateway', 'catalog', T0 + 1000)).toBeUndefined();
    expect(isPartitioned([partitionDoc()], 'gateway', 'catalog', T0 + 10 ** 10)).toBeDefined();
  });
  it('gives a reason naming both sides and the partition', () => {
    expect(partitionReason(p, 'gateway', 'catalog')).toBe(
      'partitioned: gateway cannot reach catalog (partition p1: gateway,ingress | catalog, until healed)',
    );
  });
});

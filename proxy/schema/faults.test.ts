import { describe, expect, it } from 'vitest';
import {
  FaultDocument,
  PartitionDocument,
  faultRuleKey,
  parseFaultEntries,
  parseFaultKey,
  partitionKey,
} from './faults.js';

const base = {
  id: 'f1',
  action: { type: 'delay', fixedMs: 200 },
  target: { service: 'catalog' },
  createdAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-01T00:01:00.000Z',
};

describe('FaultDocument', () => {
  it('fills defaults (inbound, 100%, no match, no jitter)', () => {
    expect(FaultDocument.parse(base)).toMatchObject({
      where: 'inbound',
      percent: 100,
      match: {},
      action: { type: 'delay', fixedMs: 200, jitterMs: 0 },
    });
  });
  it.each([
    [{ percent: 101 }, 'percent'],
    [{ action: { type: 'abort', status: 42 } }, 'action.status'],
    [{ action: { type: 'teleport' } }, 'action.type'],
    [{ from: 'gateway' }, 'from'],
    [{ expiresAt: '2029-12-31T00:00:00.000Z' }, 'expiresAt'],
    [{ target: { service: 'catalog', instance: 'pricing-1' } }, 'target.instance'],
    [{ action: { type: 'tcp-reset' }, match: { pathPrefix: '/x' } }, 'match'],
    [{ where: 'outbound', target: { service: 'catalog', instance: 'catalog-2' } }, 'target'],
    [{ where: 'outbound', target: { service: 'pricing', version: 'v2' } }, 'target'],
  ])('rejects %j at %s', (over, path) => {
    const r = FaultDocument.safeParse({ ...base, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('PartitionDocument', () => {
  it('refuses a service on both sides', () => {
    const r = PartitionDocument.safeParse({ id: 'p1', a: ['x1', 'y1'], b: ['y1'], createdAt: base.createdAt });
    expect(r.success).toBe(false);
  });
});

describe('KV layout', () => {
  it('round-trips keys', () => {
    expect(parseFaultKey('shop', faultRuleKey('shop', 'f1'))).toEqual({ kind: 'rule', id: 'f1' });
    expect(parseFaultKey('shop', partitionKey('shop', 'p1'))).toEqual({ kind: 'partition', id: 'p1' });
    expect(parseFaultKey('shop', 'meshdev/shop/faults/settings')).toEqual({ kind: 'settings' });
    expect(parseFaultKey('shop', 'meshdev/shop/faults/other/x')).toBeUndefined();
  });
});

describe('parseFaultEntries', () => {
  it('keeps every valid document and reports each invalid one, without throwing', () => {
    const set = parseFaultEntries(
      'shop',
      [
        { key: 'meshdev/shop/faults/rules/f1', value: JSON.stringify(base) },
        { key: 'meshdev/shop/faults/rules/bad', value: '{ not json' },
        { key: 'meshdev/shop/faults/rules/f2', value: JSON.stringify({ ...base, id: 'f2', percent: -1 }) },
        { key: 'meshdev/shop/faults/rules/f3', value: JSON.stringify({ ...base, id: 'other' }) },
        { key: 'meshdev/shop/faults/nonsense', value: '{}' },
        { key: 'meshdev/shop/faults/settings', value: '{"enabled":true}' },
        { key: 'meshdev/shop/faults/rules/', value: null },
      ],
      Date.parse(base.createdAt),
    );
    expect(set.faults.map((f) => f.id)).toEqual(['f1']);
    expect(set.headerFaults.enabled).toBe(true);
    expect(set.problems.map((p) => p.key)).toEqual([
      'meshdev/shop/faults/rules/bad',
      'meshdev/shop/faults/rules/f2',
      'meshdev/shop/faults/rules/f3',
      'meshdev/shop/faults/nonsense',
    ]);
    expect(set.problems[1]!.message).toMatch(/^percent: /);
  });
});

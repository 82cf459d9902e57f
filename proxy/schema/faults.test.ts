import { describe, expect, it } from 'vitest';
import {
  FAULT_EXPIRY_CLOCK_SKEW_MS,
  FAULT_TYPES,
  FaultAction,
  FaultDocument,
  HTTP_FAULT_TYPES,
  MAX_FLAKY_FIRST,
  TCP_FAULT_TYPES,
  MAX_FAULTS,
  MAX_FAULT_DOCUMENT_BYTES,
  MAX_FAULT_TTL_MS,
  MAX_PARTITIONS,
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

describe('flaky faults', () => {
  it('fail the first N with 503 unless the document names a status', () => {
    expect(FaultDocument.parse({ ...base, action: { type: 'flaky', first: 3 } })).toMatchObject({
      percent: 100,
      action: { type: 'flaky', first: 3, status: 503 },
    });
    expect(FaultDocument.parse({ ...base, action: { type: 'flaky', first: 1, status: 429 } }).action).toEqual({
      type: 'flaky',
      first: 1,
      status: 429,
    });
    expect(FaultDocument.parse({ ...base, action: { type: 'tcp-flaky', first: MAX_FLAKY_FIRST } }).action).toEqual({
      type: 'tcp-flaky',
      first: MAX_FLAKY_FIRST,
    });
  });

  it.each([
    [{ type: 'flaky', first: 0 }, 'action.first'],
    [{ type: 'flaky', first: MAX_FLAKY_FIRST + 1 }, 'action.first'],
    [{ type: 'flaky', first: 2.5 }, 'action.first'],
    [{ type: 'flaky', first: '3' }, 'action.first'],
    [{ type: 'flaky' }, 'action.first'],
    [{ type: 'flaky', first: 3, status: 199 }, 'action.status'],
    [{ type: 'flaky', first: 3, status: 600 }, 'action.status'],
    [{ type: 'tcp-flaky', first: 3, status: 503 }, 'action'],
  ])('rejects the action %j at %s', (action, path) => {
    const r = FaultDocument.safeParse({ ...base, action });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it.each([
    [{ type: 'flaky', first: 3 }, 50],
    [{ type: 'tcp-flaky', first: 3 }, 0],
  ])('refuses %j at percent %d: the first N are exact', (action, percent) => {
    const r = FaultDocument.safeParse({ ...base, action, percent });
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === 'percent');
    expect(issue?.message).toBe(
      `a ${action.type} fault fails exactly its first 3; percent must be 100 (or left out), not ${percent}`,
    );
  });

  it('tcp-flaky matches no source: connections carry none', () => {
    const r = FaultDocument.safeParse({
      ...base,
      action: { type: 'tcp-flaky', first: 1 },
      where: 'outbound',
      match: { source: 'gateway' },
    });
    expect(r.success).toBe(false);
  });
});

describe('fault kinds', () => {
  it('are listed once, from the action union, and split by protocol', () => {
    expect(FAULT_TYPES).toEqual(FaultAction.options.map((o) => o.shape.type.value));
    expect([...FAULT_TYPES].sort()).toEqual(
      [
        'abort',
        'bandwidth',
        'blackhole',
        'delay',
        'flaky',
        'reset',
        'tcp-bandwidth',
        'tcp-flaky',
        'tcp-latency',
        'tcp-reset',
      ].sort(),
    );
    expect(HTTP_FAULT_TYPES).toEqual(['delay', 'abort', 'reset', 'blackhole', 'bandwidth', 'flaky']);
    expect(TCP_FAULT_TYPES).toEqual(['tcp-latency', 'tcp-reset', 'tcp-bandwidth', 'tcp-flaky']);
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

describe('parseFaultEntries: bounds', () => {
  const now = Date.parse(base.createdAt);
  const fault = (id: string, over: Record<string, unknown> = {}) => JSON.stringify({ ...base, id, ...over });
  const rule = (id: string, createIndex: number, over: Record<string, unknown> = {}) => ({
    key: faultRuleKey('shop', id),
    value: fault(id, over),
    createIndex,
  });

  it(`applies the first ${MAX_FAULTS} faults in the order their keys were created, and rejects the rest by key`, () => {
    // Created in reverse key order: creation decides, not the id.
    const entries = Array.from({ length: 300 }, (_, i) => rule(`f${String(i).padStart(3, '0')}`, 1000 - i));
    const set = parseFaultEntries('shop', entries, now);
    expect(set.faults).toHaveLength(MAX_FAULTS);
    expect(set.faults.map((f) => f.id)).toContain('f299');
    expect(set.faults.map((f) => f.id)).not.toContain('f043');
    expect(set.problems.map((p) => p.key).sort()).toEqual(
      Array.from({ length: 44 }, (_, i) => faultRuleKey('shop', `f${String(i).padStart(3, '0')}`)),
    );
    expect(set.problems[0]!.message).toMatch(/beyond the limit of 256 faults per mesh \(the first 256 created apply\)/);
  });

  it('expired faults give way to unexpired ones and are dropped unreported beyond the limit', () => {
    const expired = Array.from({ length: MAX_FAULTS }, (_, i) =>
      rule(`old${i}`, i, { createdAt: '2029-01-01T00:00:00.000Z', expiresAt: '2029-01-01T00:01:00.000Z' }),
    );
    const set = parseFaultEntries('shop', [...expired, rule('fresh', 9999)], now);
    expect(set.faults[0]!.id).toBe('fresh');
    expect(set.faults).toHaveLength(MAX_FAULTS);
    expect(set.problems).toEqual([]);
  });

  it(`rejects an expiry more than ${MAX_FAULT_TTL_MS / 3_600_000}h from now, allowing for clock skew`, () => {
    const at = (ms: number) => new Date(now + ms).toISOString();
    const set = parseFaultEntries(
      'shop',
      [
        rule('far', 1, { expiresAt: '9999-12-31T23:59:59.000Z' }),
        rule('skewed', 2, { expiresAt: at(MAX_FAULT_TTL_MS + FAULT_EXPIRY_CLOCK_SKEW_MS) }),
        rule('late', 3, { expiresAt: at(MAX_FAULT_TTL_MS + FAULT_EXPIRY_CLOCK_SKEW_MS + 1) }),
        {
          key: partitionKey('shop', 'p1'),
          value: JSON.stringify({
            id: 'p1',
            a: ['x1'],
            b: ['y1'],
            createdAt: base.createdAt,
            expiresAt: at(25 * 3_600_000),
          }),
        },
      ],
      now,
    );
    expect(set.faults.map((f) => f.id)).toEqual(['skewed']);
    expect(set.problems.map((p) => p.key.split('/').pop())).toEqual(['far', 'late', 'p1']);
    expect(set.problems[0]!.message).toMatch(/^expiresAt: 9999-12-31T23:59:59.000Z is more than 24h from now/);
  });

  it(`applies at most ${MAX_PARTITIONS} partitions`, () => {
    const entries = Array.from({ length: MAX_PARTITIONS + 1 }, (_, i) => ({
      key: partitionKey('shop', `p${i}`),
      value: JSON.stringify({ id: `p${i}`, a: ['x1'], b: ['y1'], createdAt: base.createdAt }),
      createIndex: i,
    }));
    const set = parseFaultEntries('shop', entries, now);
    expect(set.partitions).toHaveLength(MAX_PARTITIONS);
    expect(set.problems.map((p) => p.key)).toEqual([partitionKey('shop', `p${MAX_PARTITIONS}`)]);
  });

  it('rejects empty, oversize and ambiguous documents by key', () => {
    const set = parseFaultEntries(
      'shop',
      [
        { key: faultRuleKey('shop', 'e'), value: ' ' },
        { key: faultRuleKey('shop', 'big'), value: fault('big', { createdBy: 'x'.repeat(MAX_FAULT_DOCUMENT_BYTES) }) },
        {
          key: faultRuleKey('shop', 'dup'),
          value: `{"id": "dup", ${fault('dup').slice(1)}`,
        },
        { key: 'meshdev/shop/faults/settings', value: '{"enabled": true, "__proto__": {}}' },
      ],
      now,
    );
    expect(set.problems.map((p) => `${p.key.split('/').pop()}: ${p.message}`)).toEqual([
      'e: empty document; delete the key to remove it',
      `big: (top level): ${fault('big', { createdBy: 'x'.repeat(MAX_FAULT_DOCUMENT_BYTES) }).length} bytes; at most ${MAX_FAULT_DOCUMENT_BYTES} allowed`,
      'dup: id: duplicate key "id" (JSON would keep only the last)',
      'settings: __proto__: the key "__proto__" is not allowed',
    ]);
    expect(set.headerFaults.enabled).toBe(false);
  });
});

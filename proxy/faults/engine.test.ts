import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { sequenceRng } from '../policy/testing.js';
import { faultRuleKey, partitionKey } from '../schema/faults.js';
import { FaultEngine } from './engine.js';
import { T0, faultDoc, partitionDoc } from './testing.js';

function engineAt(now: { t: number }, registry = new Registry()) {
  return new FaultEngine({
    self: { service: 'catalog', version: 'v1', instance: 'catalog-1', ingress: false },
    registry,
    clock: { now: () => now.t },
    rng: sequenceRng([0]),
  });
}

describe('FaultEngine', () => {
  it('replaces the fault set atomically from KV entries, ignoring invalid documents', () => {
    const now = { t: T0 };
    const e = engineAt(now);
    e.applyEntries(
      'shop',
      [
        { key: faultRuleKey('shop', 'f1'), value: JSON.stringify(faultDoc()) },
        { key: faultRuleKey('shop', 'f2'), value: '{"id":"f2"}' },
      ],
      'test',
    );
    expect(e.faults.map((f) => f.id)).toEqual(['f1']);
    expect(e.problems.length).toBeGreaterThan(0);
    expect(e.decide({ direction: 'inbound', protocol: 'http', path: '/' }).map((f) => f.action.type)).toEqual([
      'abort',
    ]);
    e.applyEntries('shop', [], 'test');
    expect(e.decide({ direction: 'inbound', protocol: 'http', path: '/' })).toEqual([]);
  });

  it('exports injected and active metrics; active drops expired faults by itself', async () => {
    const now = { t: T0 };
    const registry = new Registry();
    const e = engineAt(now, registry);
    e.applyEntries(
      'shop',
      [
        { key: faultRuleKey('shop', 'f1'), value: JSON.stringify(faultDoc()) },
        {
          key: faultRuleKey('shop', 'f2'),
          value: JSON.stringify(
            faultDoc({
              id: 'f2',
              target: { service: 'pricing', version: 'v2' },
              expiresAt: new Date(T0 + 10).toISOString(),
            }),
          ),
        },
        { key: faultRuleKey('shop', 'bad'), value: 'nope' },
      ],
      'test',
    );
    e.env.injected('abort');
    e.headerEnv.injected('delay');
    let text = await registry.metrics();
    expect(text).toContain('meshdev_faults_injected_total{type="abort"} 1');
    expect(text).toContain('meshdev_faults_injected_total{type="header_delay"} 1');
    expect(text).toContain('meshdev_faults_active{target="catalog"} 1');
    expect(text).toContain('meshdev_faults_active{target="pricing@v2"} 1');
    expect(text).toContain('meshdev_fault_documents_invalid 1');
    now.t = T0 + 10;
    text = await registry.metrics();
    expect(text).not.toContain('target="pricing@v2"');
  });

  it('answers partitions from its own service', () => {
    const now = { t: T0 };
    const e = engineAt(now);
    e.applyEntries('shop', [{ key: partitionKey('shop', 'p1'), value: JSON.stringify(partitionDoc()) }], 'test');
    expect(e.partitionTowards('gateway')?.id).toBe('p1');
    expect(e.partitionTowards('pricing')).toBeUndefined();
  });

  it('bounds header faults by maxActive', () => {
    const e = engineAt({ t: T0 });
    e.applyEntries('shop', [{ key: 'meshdev/shop/faults/settings', value: '{"enabled":true,"maxActive":1}' }], 't');
    const h = { 'x-meshdev-fault-delay-ms': '5' };
    expect(e.decideHeader(h).kind).toBe('apply');
    const end = e.beginHeaderFault();
    expect(e.decideHeader(h).kind).toBe('none');
    end();
    end(); // idempotent
    expect(e.decideHeader(h).kind).toBe('apply');
  });
});

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { sequenceRng } from '../policy/testing.js';
import { MAX_FLAKY_CALLERS, faultRuleKey, partitionKey } from '../schema/faults.js';
import { Logger } from '../log.js';
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

  it('flaky: fails the first N of each caller, counts per fault id, frees counts of removed faults', async () => {
    const registry = new Registry();
    const e = engineAt({ t: T0 }, registry);
    const flaky = (id: string) => ({
      key: faultRuleKey('shop', id),
      value: JSON.stringify(faultDoc({ id, action: { type: 'flaky', first: 2 } })),
    });
    const from = (sourceService?: string) =>
      e
        .decide({ direction: 'inbound', protocol: 'http', path: '/', ...(sourceService ? { sourceService } : {}) })
        .map((f) => f.action.type);
    e.applyEntries('shop', [flaky('f1')], 'test');
    const seq = ['gateway', 'cart', 'gateway', undefined, 'cart', 'gateway', undefined, undefined, 'forged name'];
    expect(seq.map((s) => from(s).length)).toEqual([1, 1, 1, 1, 1, 0, 1, 0, 0]);
    expect(from('gateway')).toEqual([]);
    const view = e.view() as { faults: { id: string; failedByCaller?: Record<string, number> }[] };
    expect(view.faults[0]).toMatchObject({ id: 'f1', failedByCaller: { gateway: 2, cart: 2, '(outside)': 2 } });

    // Rewritten with the same id: the counts stand. Another id: starts again.
    e.applyEntries('shop', [flaky('f1')], 'test');
    expect(from('gateway')).toEqual([]);
    e.applyEntries('shop', [flaky('f2')], 'test');
    expect(from('gateway')).toEqual(['flaky']);
    // f1 was removed meanwhile: back with that id, it starts again too.
    e.applyEntries('shop', [flaky('f1')], 'test');
    expect(from('gateway')).toEqual(['flaky']);

    // Outbound, the sidecar itself is the caller whatever the request says.
    e.applyEntries(
      'shop',
      [
        {
          key: faultRuleKey('shop', 'out'),
          value: JSON.stringify(
            faultDoc({
              id: 'out',
              where: 'outbound',
              target: { service: 'pricing' },
              action: { type: 'flaky', first: 1 },
            }),
          ),
        },
      ],
      'test',
    );
    const out = () =>
      e.decide({ direction: 'outbound', protocol: 'http', upstream: 'pricing', path: '/', sourceService: 'x' });
    expect([out().length, out().length]).toEqual([1, 0]);
    expect(e.view()).toMatchObject({ faults: [{ id: 'out', failedByCaller: { catalog: 1 } }] });
  });

  it('flaky: logs once when a fault has more callers than it counts; their requests pass', () => {
    const lines: string[] = [];
    const log = new Logger({ write: (line) => void lines.push(line) });
    const e = new FaultEngine({
      self: { service: 'catalog', version: 'v1', instance: 'catalog-1', ingress: false },
      clock: { now: () => T0 },
      log,
    });
    e.applyEntries(
      'shop',
      [{ key: faultRuleKey('shop', 'f1'), value: JSON.stringify(faultDoc({ action: { type: 'flaky', first: 1 } })) }],
      'test',
    );
    const callers = Array.from({ length: MAX_FLAKY_CALLERS + 3 }, (_, i) => `svc-${i}`);
    const failed = callers.map(
      (c) => e.decide({ direction: 'inbound', protocol: 'http', path: '/', sourceService: c }).length,
    );
    expect(failed).toEqual(callers.map((_, i) => (i < MAX_FLAKY_CALLERS ? 1 : 0)));
    expect(lines.filter((l) => l.includes('"event":"flaky_callers_overflow"'))).toHaveLength(1);
  });
});

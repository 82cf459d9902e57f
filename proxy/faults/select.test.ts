import { describe, expect, it } from 'vitest';
import { sequenceRng } from '../policy/testing.js';
import { delayOf, selectFaults } from './select.js';
import { T0, faultDoc } from './testing.js';
import type { FaultContext } from './types.js';

const catalog2 = { service: 'catalog', version: 'v1', instance: 'catalog-2', ingress: false };
const inbound: FaultContext = { direction: 'inbound', protocol: 'http', self: catalog2, path: '/products/1' };
const gatewayOut: FaultContext = {
  direction: 'outbound',
  protocol: 'http',
  self: { service: 'gateway', version: 'v1', instance: 'gateway-1', ingress: false },
  upstream: 'catalog',
  path: '/products',
};
const always = sequenceRng([0]);
const ids = (fs: { id: string }[]) => fs.map((f) => f.id);

describe('selectFaults: target and where', () => {
  it('applies an inbound fault on its target service', () => {
    expect(ids(selectFaults([faultDoc()], inbound, T0, always))).toEqual(['f1']);
  });
  it('does not apply an inbound fault on another service', () => {
    const f = faultDoc({ target: { service: 'pricing' } });
    expect(selectFaults([f], inbound, T0, always)).toEqual([]);
  });
  it('matches version and instance against the sidecar itself when inbound', () => {
    expect(
      selectFaults([faultDoc({ target: { service: 'catalog', instance: 'catalog-2' } })], inbound, T0, always),
    ).toHaveLength(1);
    expect(
      selectFaults([faultDoc({ target: { service: 'catalog', instance: 'catalog-3' } })], inbound, T0, always),
    ).toHaveLength(0);
    expect(
      selectFaults([faultDoc({ target: { service: 'catalog', version: 'v2' } })], inbound, T0, always),
    ).toHaveLength(0);
  });
  it('an inbound fault is not applied on the outbound side, and vice versa', () => {
    expect(selectFaults([faultDoc()], gatewayOut, T0, always)).toEqual([]);
    expect(selectFaults([faultDoc({ where: 'outbound' })], inbound, T0, always)).toEqual([]);
  });
  it('an outbound fault applies on callers towards the target, only from `from` when given', () => {
    expect(selectFaults([faultDoc({ where: 'outbound' })], gatewayOut, T0, always)).toHaveLength(1);
    expect(selectFaults([faultDoc({ where: 'outbound', from: 'gateway' })], gatewayOut, T0, always)).toHaveLength(1);
    expect(selectFaults([faultDoc({ where: 'outbound', from: 'ingress' })], gatewayOut, T0, always)).toHaveLength(0);
    expect(
      selectFaults([faultDoc({ where: 'outbound' })], { ...gatewayOut, upstream: 'pricing' }, T0, always),
    ).toHaveLength(0);
  });
  it('a fault on one instance from one caller applies at that instance, to that caller only', () => {
    const f = faultDoc({ target: { service: 'catalog', instance: 'catalog-2' }, match: { source: 'gateway' } });
    expect(selectFaults([f], { ...inbound, sourceService: 'gateway' }, T0, always)).toHaveLength(1);
    expect(selectFaults([f], { ...inbound, sourceService: 'ingress' }, T0, always)).toHaveLength(0);
    expect(selectFaults([f], inbound, T0, always)).toHaveLength(0);
  });
  it('TCP faults only on TCP listeners, HTTP faults only on HTTP ones', () => {
    const tcp = faultDoc({ action: { type: 'tcp-reset' } });
    expect(selectFaults([tcp], inbound, T0, always)).toHaveLength(0);
    expect(selectFaults([tcp], { ...inbound, protocol: 'tcp' }, T0, always)).toHaveLength(1);
    expect(selectFaults([faultDoc()], { ...inbound, protocol: 'tcp' }, T0, always)).toHaveLength(0);
  });
});

describe('selectFaults: match', () => {
  it('path prefix', () => {
    expect(selectFaults([faultDoc({ match: { pathPrefix: '/products' } })], inbound, T0, always)).toHaveLength(1);
    expect(selectFaults([faultDoc({ match: { pathPrefix: '/orders' } })], inbound, T0, always)).toHaveLength(0);
  });
  it('headers: every one must equal, names case-insensitive', () => {
    const f = faultDoc({ match: { headers: { 'X-User': 'alice' } } });
    expect(selectFaults([f], { ...inbound, headers: { 'x-user': 'alice' } }, T0, always)).toHaveLength(1);
    expect(selectFaults([f], { ...inbound, headers: { 'x-user': 'bob' } }, T0, always)).toHaveLength(0);
    expect(selectFaults([f], { ...inbound, headers: {} }, T0, always)).toHaveLength(0);
  });
  it('source: the caller (outbound: this sidecar; inbound: what the caller sidecar declared)', () => {
    const f = faultDoc({ match: { source: 'gateway' } });
    expect(selectFaults([f], { ...inbound, sourceService: 'gateway' }, T0, always)).toHaveLength(1);
    expect(selectFaults([f], { ...inbound, sourceService: 'loadgen' }, T0, always)).toHaveLength(0);
    expect(selectFaults([f], inbound, T0, always)).toHaveLength(0);
    const out = faultDoc({ where: 'outbound', match: { source: 'gateway' } });
    expect(selectFaults([out], gatewayOut, T0, always)).toHaveLength(1);
  });
});

describe('selectFaults: expiry and percent', () => {
  it('drops a fault at its expiresAt, whoever is (not) around to delete it', () => {
    const f = faultDoc();
    expect(selectFaults([f], inbound, T0 + 59_999, always)).toHaveLength(1);
    expect(selectFaults([f], inbound, T0 + 60_000, always)).toHaveLength(0);
  });
  it('rolls the percentage: applies when rng*100 < percent', () => {
    const f = faultDoc({ percent: 30 });
    expect(selectFaults([f], inbound, T0, sequenceRng([0.29]))).toHaveLength(1);
    expect(selectFaults([f], inbound, T0, sequenceRng([0.3]))).toHaveLength(0);
    expect(selectFaults([faultDoc({ percent: 0 })], inbound, T0, always)).toHaveLength(0);
  });
  it('consumes randomness only for faults that otherwise match', () => {
    let draws = 0;
    const rng = () => {
      draws++;
      return 0;
    };
    selectFaults(
      [faultDoc({ percent: 50, target: { service: 'pricing' } }), faultDoc({ id: 'f2', percent: 50 })],
      inbound,
      T0,
      rng,
    );
    expect(draws).toBe(1);
  });
  it('applies 50% of requests over many draws', () => {
    let n = 0;
    let x = 0;
    const rng = () => ((x = (x * 9301 + 49297) % 233280), x / 233280);
    for (let i = 0; i < 10_000; i++) n += selectFaults([faultDoc({ percent: 50 })], inbound, T0, rng).length;
    expect(n).toBeGreaterThan(4700);
    expect(n).toBeLessThan(5300);
  });
});

describe('selectFaults: order', () => {
  it('delays, then bandwidth, then at most one terminal fault', () => {
    const faults = [
      faultDoc({ id: 'abort', action: { type: 'abort', status: 500 } }),
      faultDoc({ id: 'reset', action: { type: 'reset' } }),
      faultDoc({ id: 'bw', action: { type: 'bandwidth', bytesPerSecond: 1000 } }),
      faultDoc({ id: 'delay', action: { type: 'delay', fixedMs: 10 } }),
    ];
    expect(ids(selectFaults(faults, inbound, T0, always))).toEqual(['delay', 'bw', 'abort']);
  });
  it('a terminal fault that loses its roll lets the next one try', () => {
    const faults = [faultDoc({ id: 'a', percent: 10 }), faultDoc({ id: 'b', action: { type: 'reset' } })];
    expect(ids(selectFaults(faults, inbound, T0, sequenceRng([0.5])))).toEqual(['b']);
  });
});

describe('selectFaults: flaky faults', () => {
  const flaky = (id: string, first = 2) => faultDoc({ id, action: { type: 'flaky', first } });
  /** A gate over plain counts per fault id, recording what it was asked. */
  function gate(allow: Record<string, number>) {
    const asked: string[] = [];
    const ask = (f: { id: string }) => {
      asked.push(f.id);
      const left = allow[f.id] ?? 0;
      allow[f.id] = left - 1;
      return left > 0;
    };
    return { ask, asked };
  }

  it('applies while the gate grants one of the first N, then not', () => {
    const g = gate({ f: 2 });
    const picks = [1, 2, 3].map(() => ids(selectFaults([flaky('f')], inbound, T0, always, g.ask)));
    expect(picks).toEqual([['f'], ['f'], []]);
  });
  it('without counts (no gate) a flaky fault never applies', () => {
    expect(selectFaults([flaky('f')], inbound, T0, always)).toEqual([]);
  });
  it('a flaky fault past its N lets a later terminal fault apply', () => {
    const faults = [flaky('f'), faultDoc({ id: 'a', action: { type: 'abort', status: 500 } })];
    expect(ids(selectFaults(faults, inbound, T0, always, gate({ f: 0 }).ask))).toEqual(['a']);
  });
  it('is not asked (nothing spent) when an earlier terminal fault already ends the request', () => {
    const g = gate({ f: 5 });
    const faults = [faultDoc({ id: 'a', action: { type: 'reset' } }), flaky('f')];
    expect(ids(selectFaults(faults, inbound, T0, always, g.ask))).toEqual(['a']);
    expect(g.asked).toEqual([]);
  });
  it('is not asked for a request it does not match, nor once expired', () => {
    const g = gate({ f: 5 });
    const f = faultDoc({ id: 'f', action: { type: 'flaky', first: 5 }, match: { pathPrefix: '/admin' } });
    expect(selectFaults([f], inbound, T0, always, g.ask)).toEqual([]);
    expect(selectFaults([flaky('f')], inbound, T0 + 60_000, always, g.ask)).toEqual([]);
    expect(g.asked).toEqual([]);
  });
  it('comes after delays, as every fault that ends the exchange', () => {
    const faults = [flaky('f'), faultDoc({ id: 'd', action: { type: 'delay', fixedMs: 5 } })];
    expect(ids(selectFaults(faults, inbound, T0, always, gate({ f: 1 }).ask))).toEqual(['d', 'f']);
  });
});

describe('delayOf', () => {
  it('is fixedMs without jitter, fixed ± jitter with it, never negative', () => {
    expect(delayOf({ fixedMs: 200, jitterMs: 0 }, always)).toBe(200);
    expect(delayOf({ fixedMs: 200, jitterMs: 50 }, sequenceRng([0]))).toBe(150);
    expect(delayOf({ fixedMs: 200, jitterMs: 50 }, sequenceRng([0.5]))).toBe(200);
    expect(delayOf({ fixedMs: 200, jitterMs: 50 }, sequenceRng([0.999999]))).toBe(250);
    expect(delayOf({ fixedMs: 10, jitterMs: 50 }, sequenceRng([0]))).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { createBalancer } from './balancer/index.js';
import type { OutlierDetectorOptions, OutlierEvent, OutlierResult } from './outlier-detector.js';
import { DEFAULT_OUTLIER_DETECTION, OutlierDetector, outlierResultOf } from './outlier-detector.js';
import { FakeClock, seededRng, testEndpoint } from './testing.js';
import type { BalancerName } from './types.js';

function setup(ids: string[] = ['a', 'b', 'c'], options: Partial<OutlierDetectorOptions> = {}) {
  const clock = new FakeClock(1000);
  const detector = new OutlierDetector(clock, options);
  detector.setEndpoints(ids);
  const events: OutlierEvent[] = [];
  detector.onEvent((e) => events.push(e));
  const repeat = (id: string, result: OutlierResult, n: number) => {
    let last: OutlierEvent | undefined;
    for (let i = 0; i < n; i++) last = detector.record(id, result) ?? last;
    return last;
  };
  return { clock, detector, events, repeat };
}

describe('outlierResultOf', () => {
  it('maps attempt outcomes to what outlier detection counts', () => {
    const r = (status: number) => outlierResultOf({ kind: 'response', status, reachedUpstream: true });
    expect([200, 204, 301, 404, 429, 499].map(r)).toEqual(Array(6).fill('success'));
    expect([500, 501, 505, 599].map(r)).toEqual(Array(4).fill('5xx'));
    expect([502, 503, 504].map(r)).toEqual(Array(3).fill('gateway-error'));
    expect(outlierResultOf({ kind: 'connect-failure', reachedUpstream: false })).toBe('gateway-error');
    expect(outlierResultOf({ kind: 'reset', reachedUpstream: true })).toBe('gateway-error');
    expect(outlierResultOf({ kind: 'per-try-timeout', reachedUpstream: false })).toBe('gateway-error');
  });
});

describe('OutlierDetector', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_OUTLIER_DETECTION).toEqual({
      consecutive5xx: 5,
      consecutiveGatewayErrors: 3,
      baseEjectionMs: 10_000,
      maxEjectionMs: 300_000,
      maxEjectionPercent: 50,
      panicThresholdPercent: 50,
    });
  });

  it('ejects after 3 gateway errors in a row and announces it', () => {
    const { detector, events, repeat } = setup();
    expect(repeat('a', 'gateway-error', 2)).toBeUndefined();
    expect(detector.isEjected('a')).toBe(false);
    const event = detector.record('a', 'gateway-error');
    expect(event).toEqual({
      type: 'ejected',
      endpointId: 'a',
      reason: 'consecutive-gateway-errors',
      at: 1000,
      until: 11_000,
      multiplier: 1,
    });
    expect(events).toEqual([event]);
    expect(detector.isEjected('a')).toBe(true);
    expect(detector.ejectedEndpoints).toBe(1);
  });

  it('ejects after 5 plain 5xx in a row', () => {
    const { detector, repeat } = setup();
    repeat('a', '5xx', 4);
    expect(detector.isEjected('a')).toBe(false);
    expect(detector.record('a', '5xx')).toMatchObject({ type: 'ejected', reason: 'consecutive-5xx' });
  });

  it('counts gateway errors as 5xx too, and a plain 5xx breaks a gateway-error run', () => {
    const { detector, repeat } = setup();
    repeat('a', 'gateway-error', 2);
    detector.record('a', '5xx');
    repeat('a', 'gateway-error', 1);
    expect(detector.isEjected('a')).toBe(false);
    expect(detector.state('a')).toMatchObject({ consecutive5xx: 4, consecutiveGatewayErrors: 1 });
    expect(detector.record('a', 'gateway-error')).toMatchObject({ reason: 'consecutive-5xx' });
  });

  it('resets the runs on success (4xx included)', () => {
    const { detector, repeat } = setup();
    repeat('a', 'gateway-error', 2);
    detector.record('a', outlierResultOf({ kind: 'response', status: 404, reachedUpstream: true }));
    repeat('a', 'gateway-error', 2);
    expect(detector.isEjected('a')).toBe(false);
    detector.record('a', 'success');
    repeat('a', '5xx', 4);
    detector.record('a', 'success');
    repeat('a', '5xx', 4);
    expect(detector.isEjected('a')).toBe(false);
  });

  it('re-admits when the ejection time has passed, lazily or by tick', () => {
    const { clock, detector, events, repeat } = setup();
    repeat('a', 'gateway-error', 3);
    repeat('b', 'gateway-error', 3); // max 50% of 3: second ejection skipped
    clock.advance(9_999);
    expect(detector.isEjected('a')).toBe(true);
    expect(detector.tick()).toEqual([]);
    clock.advance(1);
    expect(detector.tick()).toEqual([
      { type: 're-admitted', endpointId: 'a', at: 11_000, ejectedForMs: 10_000, cause: 'ejection-ended' },
    ]);
    expect(detector.isEjected('a')).toBe(false);
    expect(detector.ejectedEndpoints).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['ejected', 'ejection-skipped', 're-admitted']);

    repeat('c', 'gateway-error', 3);
    clock.advance(10_000);
    expect(detector.isEjected('c')).toBe(false); // lazily re-admitted on read
    expect(events.at(-1)).toMatchObject({ type: 're-admitted', endpointId: 'c' });
    expect(detector.tick()).toEqual([]);
  });

  it('ejects for longer each time an endpoint fails again right after coming back, up to the cap', () => {
    const { clock, detector, repeat } = setup(['a', 'b'], { baseEjectionMs: 10_000, maxEjectionMs: 25_000 });
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      const e = repeat('a', 'gateway-error', 3);
      if (e?.type !== 'ejected') throw new Error('expected an ejection');
      durations.push(e.until - e.at);
      clock.set(e.until);
      expect(detector.isEjected('a')).toBe(false);
    }
    expect(durations).toEqual([10_000, 20_000, 25_000, 25_000]);
    expect(detector.state('a')).toMatchObject({ ejectionCount: 4, multiplier: 4 });
  });

  it('lets the multiplier decay while the endpoint stays healthy', () => {
    const { clock, detector, repeat } = setup(['a', 'b']);
    repeat('a', 'gateway-error', 3);
    clock.advance(10_000);
    repeat('a', 'gateway-error', 3); // multiplier 2: 20 s
    clock.advance(20_000);
    expect(detector.isEjected('a')).toBe(false);
    clock.advance(10_000); // healthy for one base period: multiplier 2 -> 1
    expect(detector.state('a')).toMatchObject({ multiplier: 1, ejectionCount: 2 });
    const e = repeat('a', 'gateway-error', 3);
    expect(e).toMatchObject({ multiplier: 2, until: clock.now() + 20_000 });
  });

  it('caps ejections at max ejection percent', () => {
    const { detector, repeat } = setup(['a', 'b', 'c', 'd']);
    expect(repeat('a', 'gateway-error', 3)).toMatchObject({ type: 'ejected' });
    expect(repeat('b', 'gateway-error', 3)).toMatchObject({ type: 'ejected' });
    expect(repeat('c', 'gateway-error', 3)).toEqual({
      type: 'ejection-skipped',
      endpointId: 'c',
      reason: 'consecutive-gateway-errors',
      at: 1000,
    });
    expect(detector.isEjected('c')).toBe(false);
    expect(detector.ejectedEndpoints).toBe(2);
  });

  it('always allows ejecting one endpoint out of two or more, whatever the percentage', () => {
    const { detector, repeat } = setup(['a', 'b', 'c'], { maxEjectionPercent: 10 });
    expect(repeat('a', 'gateway-error', 3)).toMatchObject({ type: 'ejected' });
    expect(repeat('b', 'gateway-error', 3)).toMatchObject({ type: 'ejection-skipped' });
    expect(detector.ejectedEndpoints).toBe(1);
    const zero = setup(['a', 'b'], { maxEjectionPercent: 0 });
    expect(zero.repeat('a', 'gateway-error', 3)).toMatchObject({ type: 'ejected' });
  });

  it('never ejects a lone endpoint', () => {
    const { detector, repeat } = setup(['solo']);
    expect(repeat('solo', 'gateway-error', 10)).toMatchObject({ type: 'ejection-skipped' });
    expect(detector.isEjected('solo')).toBe(false);
  });

  it('routes around ejected endpoints, into a reused array', () => {
    const { detector, repeat } = setup();
    const all = ['a', 'b', 'c'].map((id) => testEndpoint(id));
    const out: typeof all = [];
    expect(detector.routable(all, out)).toBe(all);
    repeat('b', 'gateway-error', 3);
    const routable = detector.routable(all, out);
    expect(routable).toBe(out);
    expect(routable.map((e) => e.id)).toEqual(['a', 'c']);
    expect(detector.inPanic).toBe(false);
  });

  it('panics (routes to all) when too few endpoints are healthy', () => {
    const { detector, repeat } = setup(['a', 'b', 'c'], { maxEjectionPercent: 100, panicThresholdPercent: 50 });
    const all = ['a', 'b', 'c'].map((id) => testEndpoint(id));
    const out: typeof all = [];
    repeat('a', 'gateway-error', 3);
    expect(detector.routable(all, out)).toHaveLength(2); // 67% healthy
    repeat('b', 'gateway-error', 3);
    expect(detector.routable(all, out)).toBe(all); // 33% healthy < 50%
    expect(detector.inPanic).toBe(true);
    // Panic over a subset (a version) counts that subset only.
    expect(detector.routable([all[2]!], out)).toEqual([all[2]]);
  });

  it('panics when every endpoint of the list is ejected, even with threshold 0', () => {
    const { detector, repeat } = setup(['a', 'b'], { maxEjectionPercent: 100, panicThresholdPercent: 0 });
    repeat('a', 'gateway-error', 3);
    repeat('b', 'gateway-error', 3);
    const all = [testEndpoint('a'), testEndpoint('b')];
    expect(detector.routable(all, [])).toBe(all);
    expect(detector.inPanic).toBe(true);
  });

  it('ignores failures of requests still in flight when the endpoint was ejected', () => {
    const { detector, events, repeat } = setup();
    repeat('a', 'gateway-error', 3);
    expect(repeat('a', 'gateway-error', 10)).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(detector.state('a')).toMatchObject({ consecutiveGatewayErrors: 0 });
  });

  it('re-admits before counting a result that arrives after the ejection ran out', () => {
    const { clock, detector, events, repeat } = setup();
    repeat('a', 'gateway-error', 3);
    clock.advance(10_000);
    detector.record('a', 'gateway-error');
    expect(events.map((e) => e.type)).toEqual(['ejected', 're-admitted']);
    expect(detector.state('a')).toMatchObject({ ejected: false, consecutiveGatewayErrors: 1 });
    expect(detector.ejectedEndpoints).toBe(0);
  });

  it('forgets removed endpoints, freeing their ejection slot', () => {
    const { detector, repeat } = setup(['a', 'b', 'c', 'd']);
    repeat('a', 'gateway-error', 3);
    repeat('b', 'gateway-error', 3);
    detector.setEndpoints(['b', 'c', 'd', 'e']);
    expect(detector.ejectedEndpoints).toBe(1);
    expect(detector.state('a')).toBeUndefined();
    expect(repeat('c', 'gateway-error', 3)).toMatchObject({ type: 'ejected' });
  });

  it('ignores results for endpoints no longer in the set (requests in flight when removed)', () => {
    const { detector, repeat } = setup(['a', 'b', 'c']);
    detector.setEndpoints(['b', 'c']);
    expect(repeat('a', 'gateway-error', 5)).toBeUndefined();
    expect(detector.state('a')).toBeUndefined();
    expect(detector.states().map((s) => s.endpointId)).toEqual(['b', 'c']);
  });

  it('learns endpoints from results until discovery gives the set', () => {
    const detector = new OutlierDetector(new FakeClock());
    detector.record('x', 'success');
    expect(detector.record('y', 'gateway-error')).toBeUndefined();
    detector.record('y', 'gateway-error');
    expect(detector.record('y', 'gateway-error')).toMatchObject({ type: 'ejected', endpointId: 'y' });
  });

  it('can turn either rule off with 0', () => {
    const { detector, repeat } = setup(['a', 'b'], { consecutiveGatewayErrors: 0, consecutive5xx: 0 });
    repeat('a', 'gateway-error', 100);
    expect(detector.isEjected('a')).toBe(false);
    detector.configure({ consecutive5xx: 2 });
    expect(repeat('a', '5xx', 2)).toMatchObject({ reason: 'consecutive-5xx' });
  });

  it('re-admits every ejected endpoint at once when detection is switched off live', () => {
    const { clock, detector, events, repeat } = setup(['a', 'b', 'c', 'd']);
    repeat('a', 'gateway-error', 3);
    repeat('b', '5xx', 5);
    clock.advance(2_000);
    detector.configure({ maxEjectionPercent: 25 }); // tuning with detection still on keeps the ejections
    expect(detector.ejectedEndpoints).toBe(2);
    detector.configure({ consecutive5xx: 0 }); // one rule off: gateway errors still count
    expect(detector.ejectedEndpoints).toBe(2);
    detector.configure({ consecutiveGatewayErrors: 0 });
    expect(detector.ejectedEndpoints).toBe(0);
    expect(['a', 'b', 'c', 'd'].filter((id) => detector.isEjected(id))).toEqual([]);
    expect(events.filter((e) => e.type === 're-admitted')).toEqual([
      { type: 're-admitted', endpointId: 'a', at: 3_000, ejectedForMs: 2_000, cause: 'detection-disabled' },
      { type: 're-admitted', endpointId: 'b', at: 3_000, ejectedForMs: 2_000, cause: 'detection-disabled' },
    ]);
    expect(detector.tick()).toEqual([]); // nothing left to re-admit twice
    detector.configure({ consecutiveGatewayErrors: 3 }); // and back on: detection starts afresh
    expect(repeat('a', 'gateway-error', 3)).toMatchObject({ type: 'ejected', endpointId: 'a', multiplier: 2 });
  });

  it('exposes per-endpoint state for the admin API', () => {
    const { detector, repeat } = setup(['a', 'b']);
    repeat('a', 'gateway-error', 3);
    repeat('b', '5xx', 2);
    expect(detector.states()).toEqual([
      {
        endpointId: 'a',
        ejected: true,
        ejectedUntil: 11_000,
        ejectionCount: 1,
        multiplier: 1,
        consecutive5xx: 0,
        consecutiveGatewayErrors: 0,
      },
      {
        endpointId: 'b',
        ejected: false,
        ejectedUntil: undefined,
        ejectionCount: 0,
        multiplier: 0,
        consecutive5xx: 2,
        consecutiveGatewayErrors: 0,
      },
    ]);
  });

  it('rejects invalid options naming the field', () => {
    const clock = new FakeClock();
    expect(() => new OutlierDetector(clock, { consecutive5xx: -1 })).toThrow(/consecutive5xx/);
    expect(() => new OutlierDetector(clock, { baseEjectionMs: 0 })).toThrow(/baseEjectionMs/);
    expect(() => new OutlierDetector(clock, { maxEjectionMs: 5 })).toThrow(/maxEjectionMs.*baseEjectionMs/);
    expect(() => new OutlierDetector(clock, { maxEjectionPercent: 101 })).toThrow(/maxEjectionPercent/);
    const ok = new OutlierDetector(clock);
    expect(() => ok.configure({ panicThresholdPercent: -1 })).toThrow(/panicThresholdPercent/);
    expect(ok.settings).toEqual(DEFAULT_OUTLIER_DETECTION);
  });

  it('unsubscribes listeners', () => {
    const { detector, repeat } = setup(['a', 'b']);
    const seen: OutlierEvent[] = [];
    const off = detector.onEvent((e) => seen.push(e));
    off();
    repeat('a', 'gateway-error', 3);
    expect(seen).toEqual([]);
  });
});

/**
 * The requirement: at 20 rps, an instance that fails every request is ejected within 1 s,
 * even when the caller spreads load over 3 endpoints. Simulated with the real balancers: requests
 * every 50 ms, ejected endpoints filtered out, the dead one answering with a gateway error (a killed
 * instance: connect failure) or a 500 (a broken app).
 */
describe('detection speed at 20 rps over 3 endpoints', () => {
  /**
   * When traffic stops reaching the dead endpoint: its ejection time, or (a latency-aware balancer
   * may starve it before it is ejected) the time of the last request it got; Infinity if it still
   * got traffic at the end.
   */
  function timeUntilTrafficStops(balancer: BalancerName, failure: OutlierResult, seed: number): number {
    const clock = new FakeClock(0);
    const rng = seededRng(seed);
    const lb = createBalancer(balancer, { clock, rng });
    const detector = new OutlierDetector(clock);
    const all = ['dead', 'b', 'c'].map((id) => testEndpoint(id));
    detector.setEndpoints(all.map((e) => e.id));
    const out: typeof all = [];
    let lastDeadPick = 0;
    const end = 5000;
    for (let t = 0; t <= end; t += 50) {
      clock.set(t);
      const chosen = lb.pick(detector.routable(all, out));
      const ok = chosen.id !== 'dead';
      if (!ok) lastDeadPick = t;
      lb.observe(chosen.id, ok ? 2 : 0.2); // a dead instance fails fast: the black-hole case
      const event = detector.record(chosen.id, ok ? 'success' : failure);
      if (event?.type === 'ejected') return t;
    }
    return lastDeadPick >= end - 1000 ? Infinity : lastDeadPick;
  }

  it.each(['round-robin', 'weighted'] as const)('%s ejects a dead instance within 1 s', (balancer) => {
    expect(timeUntilTrafficStops(balancer, 'gateway-error', 1)).toBeLessThanOrEqual(1000);
    expect(timeUntilTrafficStops(balancer, '5xx', 1)).toBeLessThanOrEqual(1000);
  });

  it.each(['random', 'least-request', 'peak-ewma'] as const)(
    '%s stops sending to a dead instance within 1 s in at least 97%% of runs',
    (balancer) => {
      const runs = 300;
      let fast = 0;
      for (let seed = 1; seed <= runs; seed++) {
        if (timeUntilTrafficStops(balancer, 'gateway-error', seed) <= 1000) fast++;
      }
      expect(fast / runs).toBeGreaterThanOrEqual(0.97);
    },
  );
});

import { describe, expect, it } from 'vitest';
import { countPicks, FakeClock, seededRng, testEndpoint } from '../testing.js';
import { PeakEwmaBalancer } from './peak-ewma.js';

function setup(seed = 1) {
  const clock = new FakeClock(1000);
  const lb = new PeakEwmaBalancer(clock, seededRng(seed));
  return { clock, lb };
}

describe('PeakEwmaBalancer', () => {
  it('steers away from a slow endpoint', () => {
    const { lb } = setup();
    const eps = ['slow', 'b', 'c'].map((id) => testEndpoint(id));
    lb.observe('slow', 100);
    lb.observe('b', 1);
    lb.observe('c', 1);
    const counts = countPicks(3000, () => lb.pick(eps));
    expect(counts.get('slow')).toBeUndefined();
  });

  it('jumps to a latency peak at once', () => {
    const { lb } = setup();
    lb.observe('a', 2);
    lb.observe('a', 80);
    expect(lb.estimateMs('a')).toBe(80);
  });

  it('moves down gradually: a fast sample right after a slow one barely counts', () => {
    const { clock, lb } = setup();
    lb.observe('a', 100);
    clock.advance(100); // 1% of the 10 s decay
    lb.observe('a', 0);
    expect(lb.estimateMs('a')!).toBeGreaterThan(98);
    expect(lb.estimateMs('a')!).toBeLessThan(99.1);
  });

  it('decays an idle estimate towards 0 with the time constant', () => {
    const { clock, lb } = setup();
    lb.observe('a', 100);
    clock.advance(10_000);
    expect(lb.estimateMs('a')!).toBeCloseTo(100 / Math.E, 6);
    clock.advance(10_000);
    expect(lb.estimateMs('a')!).toBeCloseTo(100 / Math.E ** 2, 6);
  });

  it('weighs latency by load: cost = estimate x (active + 1)', () => {
    const { lb } = setup();
    const fastButBusy = testEndpoint('fast', { active: 5 }); // 3 ms x 6 = 18
    const slowerIdle = testEndpoint('idle'); // 10 ms x 1 = 10
    lb.observe('fast', 3);
    lb.observe('idle', 10);
    expect(lb.pick([fastButBusy, slowerIdle]).id).toBe('idle');
    fastButBusy.active = 2; // 9 < 10
    expect(lb.pick([fastButBusy, slowerIdle]).id).toBe('fast');
  });

  it('gives new endpoints the default 30 ms estimate while the upstream has no samples', () => {
    const { lb } = setup();
    expect(lb.newEndpointRttMs()).toBe(30);
    const fresh = testEndpoint('new');
    const known = testEndpoint('known');
    lb.observe('known', 29);
    // The upstream now has a sample: a newcomer starts at the upstream-wide average (29 ms).
    expect(lb.newEndpointRttMs()).toBe(29);
    known.active = 1; // 58 > 29
    expect(lb.pick([known, fresh]).id).toBe('new');
    expect(lb.estimateMs('new')).toBeUndefined();
  });

  it('starts a new endpoint at the upstream average, so it is not starved at light load', () => {
    const { clock, lb } = setup(7);
    const latency = seededRng(8);
    const eps = ['a', 'b'].map((id) => testEndpoint(id));
    const request = () => {
      clock.advance(50); // 20 rps, one at a time: active is always 0
      const e = lb.pick(eps);
      lb.observe(e.id, 1 + 2 * latency()); // 1..3 ms, the same for every endpoint
      return e;
    };
    for (let i = 0; i < 200; i++) request();
    expect(Math.abs(lb.newEndpointRttMs() - 2)).toBeLessThan(0.5);
    eps.push(testEndpoint('new'));
    const counts = countPicks(300, request);
    // A fixed 30 ms default would give it nothing; it should get about its third.
    expect(counts.get('new') ?? 0).toBeGreaterThan(60);
  });

  it('averages the upstream over time, without the peak', () => {
    const { clock, lb } = setup();
    lb.observe('a', 10);
    clock.advance(10_000);
    lb.observe('b', 100); // keep = 1/e: 10/e + 100(1 - 1/e)
    expect(lb.newEndpointRttMs()).toBeCloseTo(10 / Math.E + 100 * (1 - 1 / Math.E), 6);
  });

  it('honours custom options and rejects nonsense', () => {
    const clock = new FakeClock();
    const lb = new PeakEwmaBalancer(clock, seededRng(1), { defaultRttMs: 1 });
    lb.observe('known', 5);
    expect(lb.pick([testEndpoint('known'), testEndpoint('new')]).id).toBe('new');
    expect(() => new PeakEwmaBalancer(clock, seededRng(1), { decayMs: 0 })).toThrow(/decayMs/);
    expect(() => new PeakEwmaBalancer(clock, seededRng(1), { defaultRttMs: -1 })).toThrow(/defaultRttMs/);
  });

  it('ignores invalid samples', () => {
    const { lb } = setup();
    lb.observe('a', 10);
    lb.observe('a', Number.NaN);
    lb.observe('a', -5);
    expect(lb.estimateMs('a')).toBe(10);
  });

  it('avoids tried endpoints, and falls back when all are tried', () => {
    const { lb } = setup();
    const eps = ['a', 'b', 'c'].map((id) => testEndpoint(id));
    lb.observe('a', 1);
    lb.observe('b', 50);
    lb.observe('c', 50);
    const counts = countPicks(500, () => lb.pick(eps, new Set(['a'])));
    expect(counts.get('a')).toBeUndefined();
    expect(lb.pick([eps[0]!], new Set(['a'])).id).toBe('a');
  });

  it('forgets endpoints that are gone', () => {
    const { lb } = setup();
    lb.observe('a', 10);
    lb.observe('b', 10);
    lb.retain(new Set(['b']));
    expect(lb.estimateMs('a')).toBeUndefined();
    expect(lb.estimateMs('b')).toBe(10);
  });
});

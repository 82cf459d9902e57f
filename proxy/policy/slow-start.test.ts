import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLOW_START, SlowStart, slowStartFactor, validateSlowStartOptions } from './slow-start.js';
import type { SlowStartOptions } from './slow-start.js';
import { FakeClock, testEndpoint } from './testing.js';

const linear: SlowStartOptions = { windowMs: 10_000, aggression: 1, minWeightPercent: 10 };

describe('slowStartFactor', () => {
  it('ramps linearly from the floor to 1 over the window', () => {
    expect(slowStartFactor(linear, 0, 0)).toBe(0.1);
    expect(slowStartFactor(linear, 0, 500)).toBe(0.1); // 0.05 is below the floor
    expect(slowStartFactor(linear, 0, 2500)).toBe(0.25);
    expect(slowStartFactor(linear, 0, 5000)).toBe(0.5);
    expect(slowStartFactor(linear, 0, 9999)).toBeCloseTo(0.9999, 6);
    expect(slowStartFactor(linear, 0, 10_000)).toBe(1);
    expect(slowStartFactor(linear, 0, 1e9)).toBe(1);
  });

  it('counts from when the endpoint became active, on the injected clock', () => {
    expect(slowStartFactor(linear, 40_000, 45_000)).toBe(0.5);
    expect(slowStartFactor(linear, 40_000, 30_000)).toBe(0.1); // a clock reading before the start: the floor
  });

  it('shapes the ramp with aggression: (elapsed / window)^(1 / aggression)', () => {
    expect(slowStartFactor({ ...linear, aggression: 2 }, 0, 2500)).toBeCloseTo(0.5, 12); // fast early
    expect(slowStartFactor({ ...linear, aggression: 0.5 }, 0, 5000)).toBeCloseTo(0.25, 12); // late
    expect(slowStartFactor({ ...linear, aggression: 0.5 }, 0, 1000)).toBe(0.1); // 0.01, floored
  });

  it('honours the minimum weight, 0 and 100 included', () => {
    expect(slowStartFactor({ ...linear, minWeightPercent: 0 }, 0, 0)).toBe(0);
    expect(slowStartFactor({ ...linear, minWeightPercent: 0 }, 0, 1000)).toBe(0.1);
    expect(slowStartFactor({ ...linear, minWeightPercent: 30 }, 0, 2000)).toBe(0.3);
    expect(slowStartFactor({ ...linear, minWeightPercent: 100 }, 0, 0)).toBe(1);
  });

  it('is 1 when slow start is off (window 0) or the endpoint has no start time', () => {
    expect(slowStartFactor({ ...linear, windowMs: 0 }, 0, 0)).toBe(1);
    expect(slowStartFactor(linear, undefined, 0)).toBe(1);
  });

  it('stays within [floor, 1] and never decreases with time (property)', () => {
    const options = fc.record({
      windowMs: fc.integer({ min: 0, max: 600_000 }),
      aggression: fc.double({ min: 0.1, max: 10, noNaN: true }),
      minWeightPercent: fc.double({ min: 0, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(
        options,
        fc.integer({ min: -1000, max: 700_000 }),
        fc.integer({ min: 0, max: 700_000 }),
        (o, t, dt) => {
          const a = slowStartFactor(o, 0, t);
          const b = slowStartFactor(o, 0, t + dt);
          const floor = o.windowMs > 0 ? o.minWeightPercent / 100 : 1;
          expect(a).toBeGreaterThanOrEqual(Math.min(1, floor) - 1e-12);
          expect(a).toBeLessThanOrEqual(1);
          expect(b).toBeGreaterThanOrEqual(a);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects options outside their bounds', () => {
    expect(() => validateSlowStartOptions({ ...linear, windowMs: -1 })).toThrow(/windowMs/);
    expect(() => validateSlowStartOptions({ ...linear, aggression: 0 })).toThrow(/aggression/);
    expect(() => validateSlowStartOptions({ ...linear, minWeightPercent: 101 })).toThrow(/minWeightPercent/);
    expect(validateSlowStartOptions(DEFAULT_SLOW_START)).toEqual(DEFAULT_SLOW_START);
  });
});

describe('SlowStart', () => {
  it('is not ramping until an endpoint starts, and stops once the last window ends', () => {
    const clock = new FakeClock(1000);
    const s = new SlowStart(clock, linear);
    expect(s.ramping).toBe(false);
    s.started(1000);
    clock.set(6000);
    s.started(6000);
    expect(s.ramping).toBe(true);
    expect(s.rampTime()).toBe(6000);
    clock.set(15_999);
    expect(s.rampTime()).toBe(15_999); // the second endpoint still ramps
    expect(s.ramping).toBe(true);
    clock.set(16_000);
    expect(s.rampTime()).toBeUndefined();
    expect(s.ramping).toBe(false);
  });

  it('uses the time the caller passes instead of reading the clock', () => {
    const s = new SlowStart(new FakeClock(1e9), linear);
    s.started(0);
    expect(s.rampTime(100)).toBe(100);
  });

  it('never ramps while off, and live tuning applies to ramps in progress', () => {
    const clock = new FakeClock(0);
    const s = new SlowStart(clock, { ...linear, windowMs: 0 });
    s.started(0);
    expect(s.ramping).toBe(false);
    clock.set(5000);
    s.configure({ windowMs: 10_000 }); // the endpoint that started at 0 is half-way through
    expect(s.ramping).toBe(true);
    expect(s.factor(testEndpoint('a', { activeSince: 0 }), 5000)).toBe(0.5);
    s.configure({ windowMs: 4000 }); // its window is over
    expect(s.ramping).toBe(false);
    s.configure({ windowMs: 0 });
    expect(s.factor(testEndpoint('a', { activeSince: 0 }), 5000)).toBe(1);
  });

  describe('relativeFactors', () => {
    const s = new SlowStart(new FakeClock(), linear);
    const out: number[] = [];

    it('gives a new endpoint its own factor next to endpoints not in slow start', () => {
      const eps = [testEndpoint('a'), testEndpoint('b'), testEndpoint('new', { activeSince: 0 })];
      expect(s.relativeFactors(eps, undefined, 3, 5000, out)).toBe(true);
      expect(out).toEqual([1, 1, 0.5]);
    });

    it('treats endpoints that started together equally (the mesh or the sidecar just started)', () => {
      const eps = ['a', 'b', 'c'].map((id) => testEndpoint(id, { activeSince: 0 }));
      expect(s.relativeFactors(eps, undefined, 3, 0, out)).toBe(false);
      expect(out).toEqual([1, 1, 1]);
      expect(s.relativeFactors(eps, undefined, 3, 4000, out)).toBe(false);
    });

    it('ramps relative to the most advanced one when all are ramping', () => {
      const eps = [testEndpoint('a', { activeSince: 0 }), testEndpoint('b', { activeSince: 4000 })];
      expect(s.relativeFactors(eps, undefined, 2, 8000, out)).toBe(true);
      expect(out[0]).toBe(1);
      expect(out[1]).toBeCloseTo(0.4 / 0.8, 12);
    });

    it('takes the maximum over eligible candidates only', () => {
      const eps = [testEndpoint('warm'), testEndpoint('new', { activeSince: 0 })];
      // The request already tried `warm`: the new endpoint is all that is left, at full factor.
      expect(s.relativeFactors(eps, new Set(['warm']), 1, 0, out)).toBe(false);
      expect(out).toEqual([1, 1]);
    });

    it('treats endpoints all at a 0% floor equally', () => {
      const zero = new SlowStart(new FakeClock(), { ...linear, minWeightPercent: 0 });
      const eps = ['a', 'b'].map((id) => testEndpoint(id, { activeSince: 0 }));
      expect(zero.relativeFactors(eps, undefined, 2, 0, out)).toBe(false);
      expect(out).toEqual([1, 1]);
    });
  });
});

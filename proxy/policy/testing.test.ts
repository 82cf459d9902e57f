import { describe, expect, it } from 'vitest';
import { FakeClock, seededRng, sequenceRng } from './testing.js';

describe('seededRng', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const c = seededRng(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
  });

  it('is uniform in [0, 1)', () => {
    const rng = seededRng(7);
    const buckets = new Array<number>(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng();
      if (!(x >= 0 && x < 1)) outOfRange++;
      buckets[Math.floor(x * 10)]!++;
    }
    expect(outOfRange).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

describe('sequenceRng and FakeClock', () => {
  it('replay and move only when told', () => {
    const rng = sequenceRng([0.1, 0.9]);
    expect([rng(), rng(), rng()]).toEqual([0.1, 0.9, 0.1]);
    const clock = new FakeClock(5);
    expect(clock.now()).toBe(5);
    clock.advance(10);
    expect(clock.now()).toBe(15);
    expect(() => clock.advance(-1)).toThrow(/backwards/);
  });
});

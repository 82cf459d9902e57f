import { describe, expect, it } from 'vitest';
import { BandwidthPacer, LatencyPacer } from './pacing.js';

describe('BandwidthPacer', () => {
  it('spaces slices so that bytes leave at the rate', () => {
    const p = new BandwidthPacer(1000); // 1000 B/s -> 50-byte slices
    expect(p.maxSlice).toBe(50);
    expect(p.releaseAt(50, 0)).toBe(0);
    expect(p.releaseAt(50, 0)).toBe(50);
    expect(p.releaseAt(50, 0)).toBe(100);
  });
  it('does not bank idle time as a burst', () => {
    const p = new BandwidthPacer(1000);
    p.releaseAt(50, 0);
    expect(p.releaseAt(50, 10_000)).toBe(10_000);
    expect(p.releaseAt(50, 10_000)).toBe(10_050);
  });
  it('caps slices at 16 KiB and at least 1 byte', () => {
    expect(new BandwidthPacer(10 * 1024 ** 2).maxSlice).toBe(16 * 1024);
    expect(new BandwidthPacer(1).maxSlice).toBe(1);
  });
});

describe('LatencyPacer', () => {
  it('delays every chunk and never lets one overtake an earlier one', () => {
    const delays = [100, 10, 50];
    let i = 0;
    const p = new LatencyPacer(() => delays[i++]!);
    expect(p.releaseAt(1, 0)).toBe(100);
    expect(p.releaseAt(1, 5)).toBe(100); // 15 would overtake
    expect(p.releaseAt(1, 60)).toBe(110);
  });
});

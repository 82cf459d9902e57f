import { describe, expect, it } from 'vitest';
import { SPARK_FLOOR_RPS, sparkScale, sparkline } from './format.js';

const FULL = '█';
/** Bar heights 0..7 of a sparkline, spaces (no sample yet) left out. */
const heights = (line: string) => [...line.trim()].map((c) => '▁▂▃▄▅▆▇█'.indexOf(c));

/** 20 requests/s give or take one, as Prometheus' rate() draws a steady load generator. */
const steady = (n: number) => Array.from({ length: n }, (_, i) => 20 + Math.sin(i) * 0.5);

describe('sparkline', () => {
  it('draws steady traffic as a flat line below the top, not a wall of full blocks', () => {
    const line = sparkline(steady(120), 60);
    expect(line).toHaveLength(60);
    expect(line).not.toContain(FULL);
    expect(new Set(heights(line)).size).toBe(1);
    expect(heights(line)[0]).toBeGreaterThanOrEqual(4);
    expect(heights(line)[0]).toBeLessThanOrEqual(6);
  });

  it('lets a spike stand out: full height at the spike, the steady rest clearly lower', () => {
    const values = steady(60);
    values[40] = 60;
    const h = heights(sparkline(values, 60));
    expect(h[40]).toBe(7);
    expect(Math.max(...h.filter((_, i) => i !== 40))).toBeLessThanOrEqual(3);
  });

  it('scales to the window it shows: an old spike scrolled out no longer flattens the line', () => {
    const values = [200, ...steady(60)];
    expect(sparkline(values, 60)).toBe(sparkline(steady(60), 60));
  });

  it('draws idle and a trickle low, and a ramp over the whole height', () => {
    expect(sparkline([0, 0, 0], 3)).toBe('▁▁▁');
    expect(Math.max(...heights(sparkline([0.1, 0.2, 0.1], 3)))).toBeLessThanOrEqual(2);
    expect(heights(sparkline([0, 5, 10, 15, 20], 5))).toEqual([0, 2, 4, 5, 7]);
  });

  it('pads a short history on the left, keeps the newest samples, and draws nothing at no width', () => {
    expect(sparkline([0, 5, 10], 5)).toBe('  ▁▅█');
    expect(sparkline([9, 9, 0, 0], 2)).toBe('▁▁');
    expect(sparkline([1, 2], 0)).toBe('');
  });
});

describe('sparkScale', () => {
  it('is the largest sample, at least the mean over three quarters, at least the floor', () => {
    expect(sparkScale([])).toBe(SPARK_FLOOR_RPS);
    expect(sparkScale([10, 40])).toBe(40);
    expect(sparkScale([30, 30])).toBe(40);
    expect(sparkScale([0.2])).toBe(SPARK_FLOOR_RPS);
  });
});

import { describe, expect, it } from 'vitest';
import { decideFault, hasFaults, noFaults, type FaultKnobs } from './faults.js';

/** A random source that replays the given numbers in order. */
function scripted(...values: number[]): () => number {
  return () => {
    const next = values.shift();
    if (next === undefined) throw new Error('rng called more often than scripted');
    return next;
  };
}

const knobs = (over: Partial<FaultKnobs>): FaultKnobs => ({ ...noFaults, ...over });

describe('decideFault', () => {
  it('does nothing and draws nothing without knobs', () => {
    expect(decideFault(noFaults, scripted())).toEqual({ delayMs: 0, failWith: undefined });
  });

  it('fails exactly when the draw is below the error rate', () => {
    expect(decideFault(knobs({ errorRate: 0.3 }), scripted(0.29)).failWith).toBe(500);
    expect(decideFault(knobs({ errorRate: 0.3 }), scripted(0.3)).failWith).toBeUndefined();
    expect(decideFault(knobs({ errorRate: 1 }), scripted(0.999999)).failWith).toBe(500);
  });

  it('answers with the configured error status', () => {
    expect(decideFault(knobs({ errorRate: 1, errorStatus: 503 }), scripted(0)).failWith).toBe(503);
  });

  it('adds fixed latency plus uniform jitter, jitter drawn first', () => {
    const decision = decideFault(knobs({ latencyMs: 100, latencyJitterMs: 50, errorRate: 0.5 }), scripted(0.5, 0.9));
    expect(decision).toEqual({ delayMs: 125, failWith: undefined });
    expect(decideFault(knobs({ latencyMs: 100 }), scripted()).delayMs).toBe(100);
  });

  it('fails about errorRate of the time over many draws', () => {
    let seed = 42;
    const lcg = () => {
      seed = (seed * 1664525 + 1013904223) % 2 ** 32;
      return seed / 2 ** 32;
    };
    let failures = 0;
    for (let i = 0; i < 10_000; i++) if (decideFault(knobs({ errorRate: 0.2 }), lcg).failWith) failures++;
    expect(failures / 10_000).toBeGreaterThan(0.18);
    expect(failures / 10_000).toBeLessThan(0.22);
  });

  it('reports whether any knob is set', () => {
    expect(hasFaults(noFaults)).toBe(false);
    expect(hasFaults(knobs({ latencyJitterMs: 1 }))).toBe(true);
  });
});

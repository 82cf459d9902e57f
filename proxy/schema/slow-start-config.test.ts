import { describe, expect, it } from 'vitest';
import { DEFAULT_SLOW_START } from './defaults.js';
import { BUILTIN_DEFAULTS, defaultsKey, effectiveConfig, serviceKey, versionKey } from './config.js';
import { judgeConfigEntries } from './config-documents.js';

const entry = (key: string, doc: unknown) => ({ key, value: JSON.stringify(doc) });

describe('resilience.slowStart in the live config', () => {
  it('is on by default with the policy module defaults', () => {
    expect(BUILTIN_DEFAULTS.resilience.slowStart).toEqual(DEFAULT_SLOW_START);
    expect(BUILTIN_DEFAULTS.resilience.slowStart.windowMs).toBeGreaterThan(0);
  });

  it('is tuned per field, inherited from defaults by a service, and switched off with windowMs 0', () => {
    const r = judgeConfigEntries('shop', [
      entry(defaultsKey('shop'), { resilience: { slowStart: { windowMs: 60_000, aggression: 2 } } }),
      entry(serviceKey('shop', 'catalog'), { resilience: { slowStart: { windowMs: 0 } } }),
    ]);
    expect(r.rejected).toEqual([]);
    expect(effectiveConfig(r.snapshot, 'pricing').resilience.slowStart).toEqual({
      windowMs: 60_000,
      aggression: 2,
      minWeightPercent: DEFAULT_SLOW_START.minWeightPercent,
    });
    expect(effectiveConfig(r.snapshot, 'catalog').resilience.slowStart.windowMs).toBe(0);
  });

  it('rejects values out of bounds, naming the field', () => {
    const r = judgeConfigEntries('shop', [
      entry(serviceKey('shop', 'catalog'), {
        resilience: { slowStart: { windowMs: -1, aggression: 0, minWeightPercent: 150, rampMs: 1 } },
      }),
    ]);
    expect(r.rejected.map((d) => d.key)).toEqual([serviceKey('shop', 'catalog')]);
    const messages = r.rejected[0]!.problems.join('\n');
    for (const field of ['windowMs', 'aggression', 'minWeightPercent']) {
      expect(messages).toContain(`resilience.slowStart.${field}`);
    }
    expect(messages).toMatch(/rampMs/);
  });

  it('cannot be set for one version: one balancer serves every version of an upstream', () => {
    const r = judgeConfigEntries('shop', [
      entry(versionKey('shop', 'pricing', 'v2'), { resilience: { slowStart: { windowMs: 1000 } } }),
    ]);
    expect(r.rejected.map((d) => d.key)).toEqual([versionKey('shop', 'pricing', 'v2')]);
    expect(r.rejected[0]!.problems.join('\n')).toMatch(/slowStart/);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_SLOW_START } from '../policy/slow-start.js';
import {
  BUILTIN_DEFAULTS,
  defaultsKey,
  effectiveConfig,
  parseConfigEntries,
  serviceKey,
  versionKey,
} from './config.js';

const entry = (key: string, doc: unknown) => ({ key, value: JSON.stringify(doc) });

describe('resilience.slowStart in the live config', () => {
  it('is on by default with the policy module defaults', () => {
    expect(BUILTIN_DEFAULTS.resilience.slowStart).toEqual(DEFAULT_SLOW_START);
    expect(BUILTIN_DEFAULTS.resilience.slowStart.windowMs).toBeGreaterThan(0);
  });

  it('is tuned per field, inherited from defaults by a service, and switched off with windowMs 0', () => {
    const r = parseConfigEntries('shop', [
      entry(defaultsKey('shop'), { resilience: { slowStart: { windowMs: 60_000, aggression: 2 } } }),
      entry(serviceKey('shop', 'catalog'), { resilience: { slowStart: { windowMs: 0 } } }),
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(effectiveConfig(r.snapshot, 'pricing').resilience.slowStart).toEqual({
      windowMs: 60_000,
      aggression: 2,
      minWeightPercent: DEFAULT_SLOW_START.minWeightPercent,
    });
    expect(effectiveConfig(r.snapshot, 'catalog').resilience.slowStart.windowMs).toBe(0);
  });

  it('rejects values out of bounds, naming the field', () => {
    const r = parseConfigEntries('shop', [
      entry(serviceKey('shop', 'catalog'), {
        resilience: { slowStart: { windowMs: -1, aggression: 0, minWeightPercent: 150, rampMs: 1 } },
      }),
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.problems.map((p) => p.message).join('\n');
    for (const field of ['windowMs', 'aggression', 'minWeightPercent']) {
      expect(messages).toContain(`resilience.slowStart.${field}`);
    }
    expect(messages).toMatch(/rampMs/);
  });

  it('cannot be set for one version: one balancer serves every version of an upstream', () => {
    const r = parseConfigEntries('shop', [
      entry(versionKey('shop', 'pricing', 'v2'), { resilience: { slowStart: { windowMs: 1000 } } }),
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]!.key).toBe(versionKey('shop', 'pricing', 'v2'));
    expect(r.problems[0]!.message).toMatch(/slowStart/);
  });
});

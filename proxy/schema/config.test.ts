import { describe, expect, it } from 'vitest';
import {
  BUILTIN_DEFAULTS,
  deepMerge,
  defaultsKey,
  effectiveConfig,
  parseConfigKey,
  serviceKey,
  versionKey,
  worstCaseRetryBudgetMs,
} from './config.js';
import { judgeConfigEntries } from './config-documents.js';

const entry = (key: string, doc: unknown) => ({ key, value: typeof doc === 'string' ? doc : JSON.stringify(doc) });

describe('live config KV layout', () => {
  it('names and parses keys', () => {
    expect(defaultsKey('shop')).toBe('meshdev/shop/config/defaults');
    expect(serviceKey('shop', 'catalog')).toBe('meshdev/shop/config/services/catalog');
    expect(versionKey('shop', 'pricing', 'v2')).toBe('meshdev/shop/config/services/pricing/versions/v2');
    expect(parseConfigKey('shop', 'meshdev/shop/config/defaults')).toEqual({ kind: 'defaults' });
    expect(parseConfigKey('shop', 'meshdev/shop/config/services/pricing/versions/v2')).toEqual({
      kind: 'version',
      service: 'pricing',
      version: 'v2',
    });
    expect(parseConfigKey('shop', 'meshdev/shop/config/other')).toBeUndefined();
    expect(parseConfigKey('shop', 'meshdev/mall/config/defaults')).toBeUndefined();
  });
});

describe('judgeConfigEntries + effectiveConfig', () => {
  it('merges built-in <- defaults <- service <- version', () => {
    const r = judgeConfigEntries('shop', [
      entry(defaultsKey('shop'), { balancer: 'least-request', resilience: { timeoutMs: 8000 } }),
      entry(serviceKey('shop', 'pricing'), { resilience: { retries: { maxRetries: 4 } }, split: { v1: 90, v2: 10 } }),
      entry(versionKey('shop', 'pricing', 'v2'), { resilience: { perTryTimeoutMs: 300 } }),
    ]);
    expect(r.rejected).toEqual([]);
    const base = effectiveConfig(r.snapshot, 'pricing');
    expect(base.balancer).toBe('least-request');
    expect(base.resilience.timeoutMs).toBe(8000);
    expect(base.resilience.retries.maxRetries).toBe(4);
    expect(base.resilience.retries.retryOnStatuses).toEqual([502, 503, 504]);
    expect(base.resilience.perTryTimeoutMs).toBe(BUILTIN_DEFAULTS.resilience.perTryTimeoutMs);
    expect(base.split).toEqual({ v1: 90, v2: 10 });
    expect(effectiveConfig(r.snapshot, 'pricing', 'v2').resilience.perTryTimeoutMs).toBe(300);
    expect(effectiveConfig(r.snapshot, 'catalog').split).toBeUndefined();
  });

  it('reports every problem with its key and field', () => {
    const r = judgeConfigEntries('shop', [
      entry(serviceKey('shop', 'pricing'), { balancer: 'fastest', resilience: { retries: { maxRetries: -1 } } }),
      entry(serviceKey('shop', 'catalog'), '{not json'),
      entry(versionKey('shop', 'pricing', 'v2'), { balancer: 'random' }),
      entry('meshdev/shop/config/whatever', {}),
      entry(serviceKey('shop', 'inventory'), { routes: [{ match: { pathPrefix: '/a' } }] }),
      entry(serviceKey('shop', 'gateway'), { split: { v1: 0 } }),
    ]);
    const text = r.rejected.flatMap((d) => d.problems.map((p) => `${d.key}: ${p}`)).join('\n');
    expect(text).toMatch(/services\/pricing: balancer:/);
    expect(text).toMatch(/services\/pricing: resilience\.retries\.maxRetries:/);
    expect(text).toMatch(/services\/catalog: not JSON/);
    expect(text).toMatch(/versions\/v2: \(top level\): unknown key "balancer"/);
    expect(text).toMatch(/whatever: unknown key/);
    expect(text).toMatch(/inventory: routes\[0\]: give exactly one of "version" or "split"/);
    expect(text).toMatch(/gateway: split: at least one version/);
    expect(r.rejected.map((d) => d.key)).toHaveLength(6);
  });

  it('deepMerge: objects merge, arrays and scalars replace', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: undefined })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
    });
  });
});

describe('built-in timeout defaults', () => {
  it('the overall timeout outlasts every try and backoff, so it never cuts a retry short', () => {
    const r = BUILTIN_DEFAULTS.resilience;
    // 3 tries x 1 s + backoff of at most 10 ms then 20 ms
    expect(worstCaseRetryBudgetMs(r)).toBe(3030);
    expect(r.timeoutMs).toBeGreaterThan(worstCaseRetryBudgetMs(r));
  });
  it('a per-try timeout short enough that a frozen instance costs a request about a second', () => {
    expect(BUILTIN_DEFAULTS.resilience.perTryTimeoutMs).toBeLessThanOrEqual(1000);
  });
  it('counts capped backoff', () => {
    const r = deepMerge(BUILTIN_DEFAULTS.resilience, {
      perTryTimeoutMs: 100,
      retries: { maxRetries: 4, backoffBaseMs: 100, backoffMaxMs: 250 },
    });
    expect(worstCaseRetryBudgetMs(r)).toBe(5 * 100 + 100 + 200 + 250 + 250);
  });
});

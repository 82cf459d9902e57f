import { describe, expect, it } from 'vitest';
import { defaultsKey, effectiveConfig, serviceKey, versionKey } from './config.js';
import {
  EMPTY_DOCUMENT_MESSAGE,
  MAX_CONFIG_DOCUMENTS,
  MAX_CONFIG_DOCUMENT_BYTES,
  judgeConfigEntries,
  rejectionChanges,
} from './config-documents.js';

const entry = (key: string, doc: unknown) => ({ key, value: typeof doc === 'string' ? doc : JSON.stringify(doc) });
const D = defaultsKey('shop');
const CATALOG = serviceKey('shop', 'catalog');
const GHOST = serviceKey('shop', 'ghost');

describe('judgeConfigEntries: one document at a time', () => {
  it('a bad document for a service that does not exist does not stop a change to defaults', () => {
    const r = judgeConfigEntries('shop', [entry(D, { balancer: 'random' }), entry(GHOST, { balancer: 'fastest' })]);
    expect(effectiveConfig(r.snapshot, 'catalog').balancer).toBe('random');
    expect(r.rejected).toEqual([
      { key: GHOST, problems: [expect.stringMatching(/^balancer: /) as string], inEffect: 'none' },
    ]);
    expect(r.snapshot.services.ghost).toBeUndefined();
  });

  it("a rejected key keeps this sidecar's last good version; defaults still change under it", () => {
    const first = judgeConfigEntries('shop', [
      entry(D, { resilience: { timeoutMs: 5000 } }),
      entry(CATALOG, { balancer: 'peak-ewma' }),
    ]);
    const typo = judgeConfigEntries(
      'shop',
      [entry(D, { resilience: { timeoutMs: 7000 } }), entry(CATALOG, '{"balancer": "peak-ewma",}')],
      first.inEffect,
    );
    expect(typo.rejected).toEqual([
      { key: CATALOG, problems: [expect.stringMatching(/^not JSON/) as string], inEffect: 'last-good' },
    ]);
    const eff = effectiveConfig(typo.snapshot, 'catalog');
    expect(eff.balancer).toBe('peak-ewma');
    expect(eff.resilience.timeoutMs).toBe(7000);
    // Without history (a sidecar started after the typo, or the CLI's view), the key inherits.
    const fresh = judgeConfigEntries('shop', [entry(D, {}), entry(CATALOG, '{')]);
    expect(fresh.rejected[0]!.inEffect).toBe('none');
    expect(effectiveConfig(fresh.snapshot, 'catalog').balancer).toBe('round-robin');
    // Fixed: the new version applies and the rejection is gone.
    const fixed = judgeConfigEntries('shop', [entry(CATALOG, { balancer: 'random' })], typo.inEffect);
    expect(fixed.rejected).toEqual([]);
    expect(effectiveConfig(fixed.snapshot, 'catalog').balancer).toBe('random');
  });

  it('an empty value is a rejected document, not a silent reset', () => {
    const before = judgeConfigEntries('shop', [entry(D, { balancer: 'random' })]);
    for (const value of ['', '  \n', null]) {
      const r = judgeConfigEntries('shop', [{ key: D, value }], before.inEffect);
      expect(r.rejected).toEqual([{ key: D, problems: [EMPTY_DOCUMENT_MESSAGE], inEffect: 'last-good' }]);
      expect(r.snapshot.defaults).toEqual({ balancer: 'random' });
    }
    // Deleting the key is how a level inherits again.
    expect(judgeConfigEntries('shop', [], before.inEffect).snapshot.defaults).toEqual({});
  });

  it('rejects unknown keys and bad names by key, without effect on the rest', () => {
    const r = judgeConfigEntries('shop', [
      entry(D, { balancer: 'random' }),
      entry('meshdev/shop/config/servics/catalog', {}),
      entry('meshdev/shop/config/services/Catalog', {}),
      entry('meshdev/shop/config/services/catalog/versions/V2!', {}),
      entry('meshdev/shop/config/services/', ''),
    ]);
    expect(r.rejected.map((x) => [x.key.slice('meshdev/shop/config/'.length), x.problems[0]])).toEqual([
      ['services/Catalog', '"Catalog" is not a service name'],
      ['services/catalog/versions/V2!', '"V2!" is not a version label'],
      ['servics/catalog', expect.stringMatching(/^unknown key/)],
    ]);
    expect(r.snapshot.defaults).toEqual({ balancer: 'random' });
  });

  it('bounds document size and count', () => {
    const big = JSON.stringify({ routes: [{ name: 'x'.repeat(MAX_CONFIG_DOCUMENT_BYTES), version: 'v1' }] });
    expect(judgeConfigEntries('shop', [entry(CATALOG, big)]).rejected[0]!.problems[0]).toMatch(/bytes; at most 32768/);
    const many = Array.from({ length: MAX_CONFIG_DOCUMENTS + 3 }, (_, i) =>
      entry(serviceKey('shop', `s${String(i).padStart(4, '0')}`), { balancer: 'random' }),
    );
    const r = judgeConfigEntries('shop', many);
    expect(Object.keys(r.snapshot.services)).toHaveLength(MAX_CONFIG_DOCUMENTS);
    expect(r.rejected.map((x) => x.key)).toEqual(many.slice(MAX_CONFIG_DOCUMENTS).map((e) => e.key));
    expect(r.rejected[0]!.problems[0]).toMatch(/beyond the limit of 512 config documents/);
  });

  it('lists at most 10 problems of one document', () => {
    const r = judgeConfigEntries('shop', [
      entry(CATALOG, { resilience: { retries: { retryOnStatuses: Array(20).fill(1) } } }),
    ]);
    expect(r.rejected[0]!.problems).toHaveLength(11);
    expect(r.rejected[0]!.problems[10]).toBe('... and 10 more');
  });
});

describe('judgeConfigEntries: checks across documents', () => {
  const backoff = (o: Record<string, number>) => ({ resilience: { retries: o } });

  it('rejects the more specific document of the two that conflict, naming where the other value came from', () => {
    const r = judgeConfigEntries('shop', [
      entry(D, backoff({ backoffMaxMs: 50 })),
      entry(CATALOG, backoff({ backoffBaseMs: 100 })),
      entry(serviceKey('shop', 'pricing'), { balancer: 'random' }),
    ]);
    expect(r.rejected).toEqual([
      {
        key: CATALOG,
        problems: [
          `resilience.retries.backoffBaseMs (100) must not exceed resilience.retries.backoffMaxMs (50 from ${D})`,
        ],
        inEffect: 'none',
      },
    ]);
    expect(effectiveConfig(r.snapshot, 'pricing').resilience.retries.backoffMaxMs).toBe(50);
    expect(effectiveConfig(r.snapshot, 'pricing').balancer).toBe('random');
  });

  it('a version document that conflicts is rejected alone; its service and the defaults apply', () => {
    const v2 = versionKey('shop', 'catalog', 'v2');
    const r = judgeConfigEntries('shop', [
      entry(D, backoff({ backoffBaseMs: 100 })),
      entry(CATALOG, { balancer: 'random' }),
      entry(v2, backoff({ backoffMaxMs: 20 })),
      entry(versionKey('shop', 'catalog', 'v3'), { resilience: { timeoutMs: 900 } }),
    ]);
    expect(r.rejected.map((x) => [x.key, x.problems])).toEqual([
      [v2, [`resilience.retries.backoffBaseMs (100 from ${D}) must not exceed resilience.retries.backoffMaxMs (20)`]],
    ]);
    expect(effectiveConfig(r.snapshot, 'catalog', 'v3').resilience.timeoutMs).toBe(900);
    expect(effectiveConfig(r.snapshot, 'catalog').balancer).toBe('random');
  });

  it('defaults that conflict with the built-in defaults are rejected themselves', () => {
    const r = judgeConfigEntries('shop', [entry(D, backoff({ backoffBaseMs: 300 }))]);
    expect(r.rejected[0]!.problems[0]).toMatch(/\(300\) must not exceed .*\(250 by default\)/);
  });

  it('a kept last good version that no longer fits what it inherits is dropped too', () => {
    const first = judgeConfigEntries('shop', [entry(CATALOG, backoff({ backoffBaseMs: 100 }))]);
    const r = judgeConfigEntries(
      'shop',
      [entry(D, backoff({ backoffMaxMs: 50 })), entry(CATALOG, '{')],
      first.inEffect,
    );
    expect(r.rejected).toEqual([
      { key: CATALOG, problems: [expect.stringMatching(/^not JSON/) as string], inEffect: 'none' },
    ]);
    expect(effectiveConfig(r.snapshot, 'catalog').resilience.retries.backoffMaxMs).toBe(50);
  });
});

describe('rejectionChanges', () => {
  it('reports new and changed rejections and cleared keys, nothing when unchanged', () => {
    const a = { key: 'a', problems: ['x'], inEffect: 'none' as const };
    const b = { key: 'b', problems: ['y'], inEffect: 'none' as const };
    expect(rejectionChanges([a, b], [a, b])).toEqual({ rejected: [], cleared: [] });
    expect(rejectionChanges([a], [{ ...a, problems: ['z'] }, b])).toEqual({
      rejected: [{ ...a, problems: ['z'] }, b],
      cleared: [],
    });
    expect(rejectionChanges([a, b], [b])).toEqual({ rejected: [], cleared: ['a'] });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlakyCounters, OUTSIDE_CALLER, callerOf, decideFlaky } from './flaky-counters.js';

const catalog = { service: 'catalog', version: 'v1', instance: 'catalog-1', ingress: false };

describe('callerOf', () => {
  it('outbound, the sidecar itself calls', () => {
    expect(callerOf({ direction: 'outbound', self: catalog, sourceService: 'forged' })).toBe('catalog');
  });
  it('inbound, the service the caller sidecar named', () => {
    expect(callerOf({ direction: 'inbound', self: catalog, sourceService: 'gateway' })).toBe('gateway');
  });
  it.each([undefined, '', 'Gateway', 'x'.repeat(40), 'a b', '-gw'])(
    'inbound from %j: the outside (no service has that name)',
    (sourceService) => {
      expect(
        callerOf({ direction: 'inbound', self: catalog, ...(sourceService === undefined ? {} : { sourceService }) }),
      ).toBe(OUTSIDE_CALLER);
    },
  );
});

describe('decideFlaky', () => {
  it('fails while the caller has had fewer than N failures, then passes', () => {
    expect(decideFlaky(undefined, 1, 0, 64)).toBe('fail');
    expect(decideFlaky(0, 1, 1, 64)).toBe('fail');
    expect(decideFlaky(1, 1, 1, 64)).toBe('pass');
    expect(decideFlaky(2, 3, 1, 64)).toBe('fail');
    expect(decideFlaky(3, 3, 1, 64)).toBe('pass');
  });
  it('a new caller beyond the tracked maximum is untracked; a known one is still counted', () => {
    expect(decideFlaky(undefined, 3, 64, 64)).toBe('untracked');
    expect(decideFlaky(1, 3, 64, 64)).toBe('fail');
    expect(decideFlaky(3, 3, 64, 64)).toBe('pass');
  });
});

describe('FlakyCounters', () => {
  it('fails exactly the first N of each caller, whatever the interleaving (property)', () => {
    let sequences = 0;
    let requests = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.constantFrom('gateway', 'cart', 'web', OUTSIDE_CALLER), { maxLength: 120 }),
        (first, callers) => {
          sequences++;
          requests += callers.length;
          const counters = new FlakyCounters();
          const seen = new Map<string, number>();
          for (const caller of callers) {
            const nth = (seen.get(caller) ?? 0) + 1;
            seen.set(caller, nth);
            expect(counters.take('f1', first, caller)).toBe(nth <= first ? 'fail' : 'pass');
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(sequences).toBe(300);
    expect(requests).toBeGreaterThan(0);
  });

  it('counts each fault id on its own; a removed fault frees its counts, so the id starts again', () => {
    const c = new FlakyCounters();
    expect(c.take('f1', 1, 'gateway')).toBe('fail');
    expect(c.take('f1', 1, 'gateway')).toBe('pass');
    expect(c.take('f2', 1, 'gateway')).toBe('fail');
    c.retain(new Set(['f2']));
    expect(c.countsOf('f1')).toBeUndefined();
    expect(c.countsOf('f2')).toEqual({ gateway: 1 });
    expect(c.take('f1', 1, 'gateway')).toBe('fail');
    expect(c.take('f2', 1, 'gateway')).toBe('pass');
  });

  it('a changed N of the same fault continues from the count so far', () => {
    const c = new FlakyCounters();
    c.take('f1', 2, 'gateway');
    c.take('f1', 2, 'gateway');
    expect(c.take('f1', 2, 'gateway')).toBe('pass');
    expect(c.take('f1', 3, 'gateway')).toBe('fail');
    expect(c.take('f1', 3, 'gateway')).toBe('pass');
  });

  it('tracks at most maxCallers per fault: further callers pass, reported once as overflow', () => {
    const c = new FlakyCounters(3);
    for (const caller of ['a1', 'a2', 'a3']) expect(c.take('f1', 2, caller)).toBe('fail');
    expect(c.take('f1', 2, 'a4')).toBe('overflow');
    expect(c.take('f1', 2, 'a5')).toBe('pass');
    expect(c.take('f1', 2, 'a4')).toBe('pass');
    // The tracked callers keep their exact count.
    expect(c.take('f1', 2, 'a1')).toBe('fail');
    expect(c.take('f1', 2, 'a1')).toBe('pass');
    expect(Object.keys(c.countsOf('f1')!)).toEqual(['a1', 'a2', 'a3']);
    // Another fault has room of its own.
    expect(c.take('f2', 2, 'a4')).toBe('fail');
  });

  it('shows the outside under a name no service can have', () => {
    const c = new FlakyCounters();
    c.take('f1', 5, OUTSIDE_CALLER);
    c.take('f1', 5, 'outside');
    expect(c.countsOf('f1')).toEqual({ '(outside)': 1, outside: 1 });
  });
});

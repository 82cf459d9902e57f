import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationText, formatDuration, parseDuration } from './duration.js';
import { UsageError } from './errors.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];
/** The largest value a part may have after a larger unit (a minute is at most 59 after hours...). */
const BELOW: Record<Unit, number> = { h: 1_000_000, m: 59, s: 59, ms: 999 };

const rejects = (text: string, pattern: RegExp) => {
  expect(() => parseDuration(text, '--ttl')).toThrow(UsageError);
  expect(() => parseDuration(text, '--ttl')).toThrow(pattern);
};

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['0.25s', 250],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['1h30m', 5_400_000],
    ['2s500ms', 2500],
    ['1h0m5s', 3_605_000],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  it('refuses a bare number, suggesting the unit', () => {
    rejects('5', /^--ttl: "5" has no unit; a duration needs one, e.g. 5s or 5m$/);
    rejects('1.5', /e\.g\. 1\.5s or 1\.5m/);
    rejects('0', /has no unit/);
  });

  it('refuses a repeated unit, units out of order, and a part that makes a larger unit', () => {
    rejects('1h1h', /gives h twice/);
    rejects('1m30s1m', /units out of order|twice/);
    rejects('30s1m', /out of order/);
    rejects('1ms1s', /out of order/);
    rejects('1m90s', /90s makes a larger unit; write 2m30s/);
    rejects('1h60m', /write 2h/);
    rejects('1.5h30m', /only the last part/);
  });

  it.each(['', 'abc', '10x', '5 s', '-3s', '-5', 's', '1.s', '.5s', '5S', '1e3s', '0x10s', 'Infinitys', '1.5ms'])(
    'refuses %j naming the flag',
    (text) => {
      expect(() => parseDuration(text, '--timeout')).toThrow(UsageError);
      expect(() => parseDuration(text, '--timeout')).toThrow(/^--timeout: /);
    },
  );

  it('checks the bounds it is given and says the range', () => {
    const ttl = { min: 1000, max: 24 * 3_600_000 };
    expect(parseDuration('24h', '--ttl', ttl)).toBe(86_400_000);
    expect(() => parseDuration('24h1ms', '--ttl', ttl)).toThrow(
      '--ttl: "24h1ms" is out of range; expected from 1s to 24h',
    );
    expect(() => parseDuration('999ms', '--ttl', ttl)).toThrow(/from 1s to 24h/);
    expect(() => parseDuration('0s', '--for', { min: 1 })).toThrow(
      '--for: "0s" is out of range; expected at least 1ms',
    );
    expect(() => parseDuration('11m', '--delay', { max: 600_000 })).toThrow(/expected at most 10m$/);
  });

  // Properties: generated texts in the grammar, and texts just outside it.

  const part = (unit: Unit, first: boolean) =>
    fc.integer({ min: 0, max: first ? BELOW.h : BELOW[unit] }).map((n) => ({ unit, n }));
  /** A well-formed compound: a non-empty, ordered subset of the units, each below its carry after the first. */
  const compound = fc
    .subarray([...ORDER], { minLength: 1 })
    .chain((units) => fc.tuple(...units.map((u, i) => part(u, i === 0))));

  it('reads every well-formed compound back to its value in ms', () => {
    fc.assert(
      fc.property(compound, (parts) => {
        const text = parts.map((p) => `${p.n}${p.unit}`).join('');
        const ms = parts.reduce((sum, p) => sum + p.n * UNIT_MS[p.unit], 0);
        expect(parseDuration(text, 'x')).toBe(ms);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads exact decimal seconds and quarter hours', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (ms) => {
        const text = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}s`;
        expect(parseDuration(text, 'x')).toBe(ms);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4000 }), (quarters) => {
        expect(parseDuration(`${quarters / 4}h`, 'x')).toBe(quarters * 900_000);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips durationText for every whole number of ms', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (ms) => {
        expect(parseDuration(durationText(ms), 'x')).toBe(ms);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses every bare number', () => {
    const bare = fc.oneof(
      fc.nat().map(String),
      fc.tuple(fc.nat(), fc.nat({ max: 999_999 })).map(([a, b]) => `${a}.${b}`),
      fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
    );
    fc.assert(
      fc.property(bare, (text) => {
        expect(() => parseDuration(text, '--ttl')).toThrow(/has no unit/);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a unit given twice and units out of order', () => {
    const twoUnits = fc.tuple(fc.constantFrom(...ORDER), fc.constantFrom(...ORDER), fc.nat(99), fc.nat(99));
    fc.assert(
      fc.property(twoUnits, ([a, b, x, y]) => {
        const text = `${x}${a}${y}${b}`;
        if (ORDER.indexOf(a) < ORDER.indexOf(b)) return; // well-formed (carry permitting)
        expect(() => parseDuration(text, '--ttl')).toThrow(a === b ? /twice/ : /out of order/);
      }),
      { numRuns: 500 },
    );
    // A repeat anywhere in an otherwise well-formed compound.
    fc.assert(
      fc.property(compound, fc.nat(), fc.nat(99), (parts, at, n) => {
        const dup = parts[at % parts.length]!;
        const texts = parts.map((p) => `${p.n}${p.unit}`);
        texts.splice((at % (parts.length + 1)) as number, 0, `${n}${dup.unit}`);
        expect(() => parseDuration(texts.join(''), '--ttl')).toThrow(UsageError);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses values beyond the largest safe number of ms', () => {
    const tooMany = fc.bigInt({ min: BigInt(Math.ceil(Number.MAX_SAFE_INTEGER / 3_600_000)) + 1n, max: 10n ** 30n });
    fc.assert(
      fc.property(tooMany, (n) => {
        expect(() => parseDuration(`${n}h`, '--ttl')).toThrow(/too long/);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts nothing outside the grammar, and throws nothing but UsageError', () => {
    const grammar = /^(\d+(\.\d+)?h)?(\d+(\.\d+)?m)?(\d+(\.\d+)?s)?(\d+(\.\d+)?ms)?$/;
    const chars = fc.constantFrom(...'0123456789.hms -+eE'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), (text) => {
        let ms: number;
        try {
          ms = parseDuration(text, 'x');
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          return;
        }
        expect(text.trim()).toMatch(grammar);
        expect(text.trim()).not.toBe('');
        expect(Number.isSafeInteger(ms) && ms >= 0).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('durationText', () => {
  it('writes each unit once, largest first', () => {
    expect(durationText(0)).toBe('0s');
    expect(durationText(90_000)).toBe('1m30s');
    expect(durationText(86_400_000)).toBe('24h');
    expect(durationText(3_723_004)).toBe('1h2m3s4ms');
  });
});

describe('formatDuration', () => {
  it('picks a readable unit', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(2500)).toBe('2.5s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
  it('rounds once, so no part reaches a larger unit', () => {
    expect(formatDuration(59_600)).toBe('1m');
    expect(formatDuration(119_600)).toBe('2m');
    expect(formatDuration(3_599_900)).toBe('1h');
  });
});

import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseStopTimeout } from './container.js';
import { parseLogsInput } from './logs.js';

describe('stop/restart --timeout', () => {
  it('is a duration in whole seconds, 0s to 10m', () => {
    expect(parseStopTimeout('10s')).toBe(10_000);
    expect(parseStopTimeout('0s')).toBe(0);
    expect(parseStopTimeout('10m')).toBe(600_000);
  });
  it.each([
    ['10', /has no unit/],
    ['1500ms', /not whole seconds/],
    ['11m', /out of range; expected at most 10m/],
    ['-1s', /negative/],
  ])('refuses %j', (text, message) => {
    expect(() => parseStopTimeout(text)).toThrow(UsageError);
    expect(() => parseStopTimeout(text)).toThrow(message);
  });
});

describe('logs INSTANCE --tail', () => {
  it('takes a whole number of lines and a plausible name', () => {
    expect(parseLogsInput('catalog-2', '200')).toEqual({ tail: 200 });
    expect(parseLogsInput(undefined, '0')).toEqual({ tail: 0 });
  });
  it('refuses what Docker would be asked about in vain', () => {
    expect(() => parseLogsInput(undefined, 'abc')).toThrow(/^--tail: "abc" is not a whole number/);
    expect(() => parseLogsInput(undefined, '-5')).toThrow(/--tail/);
    expect(() => parseLogsInput('Catalog 2', '200')).toThrow(/INSTANCE: "Catalog 2"/);
  });
});

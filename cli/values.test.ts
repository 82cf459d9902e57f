import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseHeaderMatch, parsePercent, parseRate, parseServiceGroup, parseStatus } from './values.js';

describe('parseRate (syntax; bounds are the domain checkRate)', () => {
  it.each([
    ['10KiB/s', 10 * 1024],
    ['1MB/s', 1_000_000],
    ['1MiB/s', 1024 * 1024],
    ['512B/s', 512],
    ['4096', 4096],
    ['2kib', 2048],
    ['1.5KB/s', 1500],
    ['100kbps', 100_000],
    ['0', 0],
  ])('%s -> %d B/s', (text, n) => expect(parseRate(text, '--bandwidth')).toBe(n));
  it.each(['', 'fast', '10 KiB/h', '-1KB/s'])('rejects %j naming the flag', (text) => {
    expect(() => parseRate(text, '--bandwidth')).toThrow(UsageError);
    expect(() => parseRate(text, '--bandwidth')).toThrow(/^--bandwidth: .* is not a rate/);
  });
});

describe('parsePercent', () => {
  it.each([
    ['50', 50],
    ['12.5%', 12.5],
    ['0', 0],
    ['101', 101],
  ])('%s -> %d', (t, n) => expect(parsePercent(t, '--percent')).toBe(n));
  it.each(['-5', 'half', '50%%', '', '1e2', 'NaN'])('rejects %j', (t) => {
    expect(() => parsePercent(t, '--percent')).toThrow(/--percent: .* from 0 to 100/);
  });
});

describe('parseStatus, parseHeaderMatch and parseServiceGroup', () => {
  it('takes three digits', () => {
    expect(parseStatus('503', '--abort')).toBe(503);
    expect(parseStatus('999', '--abort')).toBe(999);
    for (const t of ['5o3', '50', '5030']) expect(() => parseStatus(t, '--abort')).toThrow(/--abort: .*HTTP status/);
  });
  it('parses NAME=VALUE, lower-casing the name and keeping "=" in values', () => {
    expect(parseHeaderMatch('X-User=a=b', '--header')).toEqual(['x-user', 'a=b']);
    for (const t of ['novalue', '=x', 'bad name=x']) expect(() => parseHeaderMatch(t, '--header')).toThrow(/--header/);
  });
  it('splits a comma-separated group', () => {
    expect(parseServiceGroup(' ingress, gateway ,')).toEqual(['ingress', 'gateway']);
  });
});

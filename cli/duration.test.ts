import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { UsageError } from './errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['45', 45_000],
    ['1h', 3_600_000],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  it.each(['', 'abc', '10x', '5 s', '-3s', 's'])('rejects %j naming the flag', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(UsageError);
    expect(() => parseDuration(text, '--timeout')).toThrow(/--timeout/);
  });
});

describe('formatDuration', () => {
  it('picks a readable unit', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(2500)).toBe('2.5s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(90_000)).toBe('1m30s');
  });
});

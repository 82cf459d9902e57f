import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseDecimal, parseHttpUrl, parseMeshName, parseWholeNumber } from './flags.js';

describe('flag values', () => {
  it('takes http(s) base URLs and names the flag otherwise', () => {
    expect(parseHttpUrl('http://127.0.0.1:8500/', '--consul')).toBe('http://127.0.0.1:8500');
    expect(parseHttpUrl('https://consul.example:443/prefix', '--consul')).toBe('https://consul.example:443/prefix');
    for (const t of ['', '127.0.0.1:8500', 'ftp://x', 'http://', 'http://h:1?x=1', 'http://h#f', 'not a url']) {
      expect(() => parseHttpUrl(t, '--consul')).toThrow(UsageError);
      expect(() => parseHttpUrl(t, '--consul')).toThrow(/^--consul: /);
    }
  });
  it('takes whole numbers in range only: no sign, exponent, hex, fraction or blank', () => {
    expect(parseWholeNumber('200', '--tail', { min: 0, max: 1000 })).toBe(200);
    expect(parseWholeNumber('0', '--tail', { min: 0, max: 1000 })).toBe(0);
    for (const t of ['', ' ', '-1', '1e3', '0x10', '1.5', 'abc', '1001', '9'.repeat(40), 'NaN', 'Infinity']) {
      expect(() => parseWholeNumber(t, '--tail', { min: 0, max: 1000 })).toThrow(
        /^--tail: ".*" is not a whole number from 0 to 1000$/,
      );
    }
  });
  it('takes decimals in range only', () => {
    expect(parseDecimal('0.25', '--access-log-sample', { min: 0, max: 1 })).toBe(0.25);
    expect(parseDecimal('1', '--access-log-sample', { min: 0, max: 1 })).toBe(1);
    for (const t of ['', '-0.1', '1.01', '1e-1', '.5', 'NaN', ' ']) {
      expect(() => parseDecimal(t, '--access-log-sample', { min: 0, max: 1 })).toThrow(/--access-log-sample/);
    }
  });
  it('takes mesh names as the topology writes them', () => {
    expect(parseMeshName('shop', '--mesh')).toBe('shop');
    for (const t of ['', 'Shop', 'a/b', '-x', 'x'.repeat(40)])
      expect(() => parseMeshName(t, '--mesh')).toThrow(/--mesh/);
  });
});

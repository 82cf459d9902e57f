import { describe, expect, it } from 'vitest';
import { parseFaultField } from './dialogs.js';

describe("the fault form's fields, checked by the control domain", () => {
  it('accepts what `meshdev fault add` accepts', () => {
    expect(parseFaultField('ttl', '30s', 'abort')).toBe(30_000);
    expect(parseFaultField('ttl', '24h', 'abort')).toBe(24 * 3_600_000);
    expect(parseFaultField('percent', '12.5%', 'abort')).toBe(12.5);
    expect(parseFaultField('value', '503', 'abort')).toBe(503);
    expect(parseFaultField('value', '250', 'delay')).toBe(250);
    expect(parseFaultField('value', '2048', 'bandwidth')).toBe(2048);
  });
  it('refuses a 30h TTL as the flag does, with the same bounds and words', () => {
    expect(parseFaultField('ttl', '30h', 'abort')).toBe('TTL: "30h" is out of range; expected from 1s to 24h');
    expect(parseFaultField('ttl', '5', 'abort')).toMatch(/^TTL: "5" has no unit/);
  });
  it('refuses values out of the kind’s bounds', () => {
    expect(parseFaultField('percent', '150', 'abort')).toMatch(/^percent: "150" is not a percentage/);
    expect(parseFaultField('value', '999', 'abort')).toMatch(/^HTTP status: "999" is not an HTTP status/);
    expect(parseFaultField('value', '0', 'delay')).toMatch(/^milliseconds: "0" adds nothing/);
    expect(parseFaultField('value', '700000', 'delay')).toMatch(
      /^milliseconds: "700000" is out of range; expected at most 10m/,
    );
    expect(parseFaultField('value', '0', 'bandwidth')).toMatch(/^bytes per second: "0" is not a rate/);
    expect(parseFaultField('value', 'abc', 'abort')).toBe('HTTP status: a number please');
  });
});

import { describe, expect, it } from 'vitest';
import { acceptableRequestId, continueTrace, formatTraceparent, parseTraceparent } from './trace.js';

const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('round-trips a valid header', () => {
    const ctx = parseTraceparent(header);
    expect(ctx).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' });
    expect(formatTraceparent(ctx!)).toBe(header);
  });

  it('ignores malformed, all-zero and forbidden-version headers', () => {
    expect(parseTraceparent(undefined)).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(parseTraceparent(`ff${header.slice(2)}`)).toBeUndefined();
    expect(parseTraceparent(`${header}-extra`)).toBeUndefined();
    expect(parseTraceparent(`01${header.slice(2)}-extra`)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('continues the caller trace with a new span, or starts a sampled one', () => {
    const hex = (bytes: number) => 'ab'.repeat(bytes);
    expect(continueTrace(parseTraceparent(header), hex)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: 'abababababababab',
      flags: '01',
    });
    expect(continueTrace(undefined, hex)).toEqual({ traceId: 'ab'.repeat(16), spanId: 'ab'.repeat(8), flags: '01' });
  });

  it('never hands out an all-zero id', () => {
    const draws = ['0000000000000000', '0000000000000001'];
    expect(continueTrace(parseTraceparent(header), () => draws.shift()!).spanId).toBe('0000000000000001');
  });
});

describe('acceptableRequestId', () => {
  it('keeps printable ids and refuses the rest', () => {
    expect(acceptableRequestId(' abc-123 ')).toBe('abc-123');
    expect(acceptableRequestId('has space')).toBeUndefined();
    expect(acceptableRequestId('x'.repeat(129))).toBeUndefined();
    expect(acceptableRequestId('')).toBeUndefined();
  });
});

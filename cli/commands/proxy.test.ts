import { describe, expect, it } from 'vitest';
import { parseHostPort } from './proxy.js';
import { UsageError } from '../errors.js';

describe('meshdev proxy --listen/--upstream', () => {
  it('parses HOST:PORT, including bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:8000', '--listen')).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(parseHostPort('[::1]:9000', '--upstream')).toEqual({ host: '::1', port: 9000 });
  });
  it('names the flag and the expected shape on bad input', () => {
    expect(() => parseHostPort('localhost', '--upstream')).toThrow(UsageError);
    expect(() => parseHostPort('localhost', '--upstream')).toThrow(/--upstream: expected HOST:PORT/);
    expect(() => parseHostPort('h:70000', '--listen')).toThrow(/--listen/);
  });
});

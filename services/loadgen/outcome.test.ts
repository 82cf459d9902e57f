import { describe, expect, it } from 'vitest';
import { errorCode, outcomeOfError, outcomeOfStatus } from './outcome.js';
import { quantile, RecentWindow } from './recent.js';

describe('outcomes', () => {
  it('classifies statuses: below 400 is success, the rest HTTP errors', () => {
    expect([200, 204, 304, 404, 429, 502, 503].map(outcomeOfStatus)).toEqual([
      'success',
      'success',
      'success',
      'http_error',
      'http_error',
      'http_error',
      'http_error',
    ]);
  });

  it('classifies failures without a response', () => {
    const refused = Object.assign(new Error('fetch failed'), {
      code: 'UND_ERR_SOCKET',
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(errorCode(refused)).toBe('ECONNREFUSED');
    expect(outcomeOfError(refused, false)).toBe('connection_error');
    expect(outcomeOfError(refused, true)).toBe('timeout');
    expect(outcomeOfError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), false)).toBe('timeout');
    expect(outcomeOfError('weird', false)).toBe('connection_error');
  });
});

describe('RecentWindow', () => {
  it('summarises the last N seconds and forgets older ones', () => {
    const w = new RecentWindow(10);
    for (let i = 0; i < 100; i++) w.record(1000 + i * 10, i % 10 === 0 ? 'http_error' : 'success', i + 1);
    let s = w.summary(10_000); // window [1000, 10000): 100 requests in 9 s
    expect(s.outcomes).toEqual({ success: 90, http_error: 10, timeout: 0, connection_error: 0 });
    expect(s.rps).toBe(11.1);
    expect(w.summary(2000, 1000).rps).toBe(100); // started at 1000: 100 requests in the first second
    expect(s.successRatio).toBe(0.9);
    expect(s.p50Ms).toBe(50);
    expect(s.p99Ms).toBe(99);
    s = w.summary(11_000); // second 1 has left the window [2000, 11000]
    expect(s.outcomes.success).toBe(0);
    expect(s.successRatio).toBeNull();
    expect(s.p99Ms).toBeNull();
  });

  it('takes nearest-rank quantiles', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([7], 0.01)).toBe(7);
  });
});

import { describe, expect, it } from 'vitest';
import { applyAssignments, parseSplitArgs } from './config-store.js';
import { PolicyDocument } from './schema/config.js';

describe('policy set KEY=VALUE', () => {
  it('sets dotted paths with JSON values and unsets with null', () => {
    const doc = applyAssignments({ balancer: 'random', resilience: { timeoutMs: 1000 } }, [
      'balancer=peak-ewma',
      'resilience.retries.maxRetries=3',
      'resilience.retries.retryOnStatuses=[503]',
      'resilience.timeoutMs=null',
    ]);
    expect(doc).toEqual({ balancer: 'peak-ewma', resilience: { retries: { maxRetries: 3, retryOnStatuses: [503] } } });
    expect(PolicyDocument.safeParse(doc).success).toBe(true);
  });
  it('rejects an assignment without "="', () => {
    expect(() => applyAssignments({}, ['balancer'])).toThrow(/KEY=VALUE/);
  });
});

describe('split VERSION=WEIGHT', () => {
  it('parses weights and rejects anything else', () => {
    expect(parseSplitArgs(['v1=90', 'v2=10'])).toEqual({ v1: 90, v2: 10 });
    expect(() => parseSplitArgs(['v1=90%'])).toThrow(/VERSION=WEIGHT/);
  });
});

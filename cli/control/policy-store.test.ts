import { describe, expect, it } from 'vitest';
import { applyAssignments, assignmentProblems, formatAssignment } from './policy-store.js';
import type { PolicyAssignment } from './policy-store.js';
import { PolicyDocument } from '../../proxy/schema/config.js';

const set = (key: string, value: unknown): PolicyAssignment => ({ path: key.split('.'), value });

describe('policy assignments (typed: a field path and a value)', () => {
  it('sets dotted paths and unsets with null', () => {
    const doc = applyAssignments({ balancer: 'random', resilience: { timeoutMs: 1000 } }, [
      set('balancer', 'peak-ewma'),
      set('resilience.retries.maxRetries', 3),
      set('resilience.retries.retryOnStatuses', [503]),
      set('resilience.timeoutMs', null),
    ]);
    expect(doc).toEqual({ balancer: 'peak-ewma', resilience: { retries: { maxRetries: 3, retryOnStatuses: [503] } } });
    expect(PolicyDocument.safeParse(doc).success).toBe(true);
  });
  it('does not share values with the caller (a later change to the input does not reach the document)', () => {
    const statuses = [503];
    const doc = applyAssignments({}, [set('resilience.retries.retryOnStatuses', statuses)]);
    statuses.push(500);
    expect(doc).toEqual({ resilience: { retries: { retryOnStatuses: [503] } } });
  });
  it.each(['__proto__.polluted', 'constructor.prototype.x', 'a..b', '.a', 'a.', 'a-b', ''])(
    'rejects the key %j (field names only) and writes nowhere',
    (key) => {
      expect(() => applyAssignments({}, [set(key, 1)])).toThrow(/dotted key of field names/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
  it('shows an assignment as KEY=JSON', () => {
    expect(formatAssignment(set('balancer', 'peak-ewma'))).toBe('balancer="peak-ewma"');
    expect(formatAssignment(set('resilience.perTryTimeoutMs', 500))).toBe('resilience.perTryTimeoutMs=500');
  });
});

describe('assignmentProblems (checked before anything is read)', () => {
  const service = { kind: 'service', service: 'catalog' } as const;
  it('finds unknown keys, wrong types and values out of range', () => {
    expect(
      assignmentProblems([set('balancer', 'peak-ewma'), set('resilience.retries.maxRetries', 3)], service),
    ).toEqual([]);
    expect(assignmentProblems([set('balancer', 'nope')], service).map((p) => p.key)).toEqual(['balancer']);
    expect(assignmentProblems([set('resilience.retries.maxRetries', 99)], service).map((p) => p.key)).toEqual([
      'resilience.retries.maxRetries',
    ]);
    expect(assignmentProblems([set('resilience.timeoutMs', '1s')], service)[0]!.message).toMatch(/number/);
    expect(assignmentProblems([set('nosuch', 1)], service)[0]!.message).toMatch(/nosuch/);
  });
  it('checks a per-version document against its own, smaller schema', () => {
    expect(assignmentProblems([set('balancer', 'random')], { ...service, version: 'v2' })).not.toEqual([]);
    expect(assignmentProblems([set('resilience.timeoutMs', 500)], { ...service, version: 'v2' })).toEqual([]);
  });
  it('leaves rules between fields to the write, which sees the stored document', () => {
    // { v2: 0 } alone has no weight above 0; merged with a stored { v1: 90 } it is valid.
    expect(assignmentProblems([set('split.v2', 0)], service)).toEqual([]);
  });
});

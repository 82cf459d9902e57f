import { describe, expect, it } from 'vitest';
import { applyAssignments, assignmentProblems, parseSplitArgs } from './config-store.js';
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
  it.each(['__proto__.polluted=1', 'constructor.prototype.x=1', 'a..b=1', '.a=1', 'a.=1', 'a-b=1'])(
    'rejects the key of %j (field names only) and writes nowhere',
    (a) => {
      expect(() => applyAssignments({}, [a])).toThrow(/dotted key of field names/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});

describe('assignmentProblems (checked before anything is read)', () => {
  const service = { kind: 'service', service: 'catalog' } as const;
  it('finds unknown keys, wrong types and values out of range', () => {
    expect(assignmentProblems(['balancer=peak-ewma', 'resilience.retries.maxRetries=3'], service)).toEqual([]);
    expect(assignmentProblems(['balancer=nope'], service).map((p) => p.key)).toEqual(['balancer']);
    expect(assignmentProblems(['resilience.retries.maxRetries=99'], service).map((p) => p.key)).toEqual([
      'resilience.retries.maxRetries',
    ]);
    expect(assignmentProblems(['resilience.timeoutMs="1s"'], service)[0]!.message).toMatch(/number/);
    expect(assignmentProblems(['nosuch=1'], service)[0]!.message).toMatch(/nosuch/);
    expect(assignmentProblems(['x'], service)[0]!.message).toMatch(/KEY=VALUE/);
  });
  it('checks a per-version document against its own, smaller schema', () => {
    expect(assignmentProblems(['balancer=random'], { ...service, version: 'v2' })).not.toEqual([]);
    expect(assignmentProblems(['resilience.timeoutMs=500'], { ...service, version: 'v2' })).toEqual([]);
  });
  it('leaves rules between fields to the write, which sees the stored document', () => {
    // { v2: 0 } alone has no weight above 0; merged with a stored { v1: 90 } it is valid.
    expect(assignmentProblems(['split.v2=0'], service)).toEqual([]);
  });
});

describe('split VERSION=WEIGHT', () => {
  it('parses weights and rejects anything else', () => {
    expect(parseSplitArgs(['v1=90', 'v2=10'])).toEqual({ v1: 90, v2: 10 });
    expect(() => parseSplitArgs(['v1=90%'])).toThrow(/VERSION=WEIGHT/);
  });
});

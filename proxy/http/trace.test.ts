import { describe, expect, it } from 'vitest';
import { continueTrace } from './trace.js';

describe('W3C traceparent', () => {
  it('continues a valid trace with a new span id', () => {
    const t = continueTrace('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(t.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(t.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(t.traceparent).not.toContain('00f067aa0ba902b7');
  });
  it('starts a new trace for a missing, malformed or all-zero header', () => {
    for (const bad of [
      undefined,
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    ]) {
      const t = continueTrace(bad);
      expect(t.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(t.traceId).not.toBe('00000000000000000000000000000000');
    }
  });
  it('ids differ between requests', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => continueTrace(undefined).traceId));
    expect(ids.size).toBe(1000);
  });
});

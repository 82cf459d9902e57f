import { describe, expect, it } from 'vitest';
import { noteNotRetried } from './reason.js';

const WHY = ' (not retried: its body was already streamed)';

describe('noteNotRetried', () => {
  it("appends to the upstream's own reason", () => {
    const headers = ['content-type', 'text/plain', 'x-meshdev-reason', 'fault-abort: 503'];
    noteNotRetried(headers, 503, WHY);
    expect(headers[3]).toBe(`fault-abort: 503${WHY}`);
  });

  it('says it on its own when the upstream gave none', () => {
    const headers = ['content-type', 'text/plain'];
    noteNotRetried(headers, 502, WHY);
    expect(headers.slice(2)).toEqual(['x-meshdev-reason', `upstream-status: 502${WHY}`]);
  });

  it('does not repeat a reason a sidecar further down already gave', () => {
    const headers = ['X-Meshdev-Reason', `upstream-status: 502${WHY}`];
    noteNotRetried(headers, 502, WHY);
    expect(headers[1]).toBe(`upstream-status: 502${WHY}`);
    noteNotRetried(headers, 502, ' (not retried: the retry budget is spent)');
    expect(headers[1]).toBe(`upstream-status: 502${WHY} (not retried: the retry budget is spent)`);
  });
});

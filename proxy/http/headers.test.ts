import { describe, expect, it } from 'vitest';
import { forwardableHeaders, upgradeHeaders } from './headers.js';

describe('hop-by-hop headers', () => {
  it('drops hop-by-hop headers and those named in Connection, keeps the rest in order', () => {
    const raw = [
      'Host',
      'x',
      'Connection',
      'keep-alive, X-Secret',
      'X-Secret',
      '1',
      'Keep-Alive',
      'timeout=5',
      'TE',
      'trailers',
      'Accept',
      '*/*',
      'Transfer-Encoding',
      'chunked',
    ];
    expect(forwardableHeaders(raw)).toEqual(['Host', 'x', 'Accept', '*/*']);
  });
  it('drops the names it replaces and appends extras', () => {
    expect(
      forwardableHeaders(['traceparent', 'old', 'a', '1'], new Set(['traceparent']), ['traceparent', 'new']),
    ).toEqual(['a', '1', 'traceparent', 'new']);
  });
  it('keeps Upgrade and Connection for upgrade requests', () => {
    expect(
      upgradeHeaders(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Keep-Alive', '5', 'Sec-WebSocket-Key', 'k']),
    ).toEqual(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k']);
  });
});

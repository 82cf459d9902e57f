import { describe, expect, it } from 'vitest';
import { keepAliveLimitMs } from './upstream-client.js';

describe('keepAliveLimitMs', () => {
  it("stays a second inside the upstream's advertised keep-alive timeout, never above the default", () => {
    expect(keepAliveLimitMs(['Keep-Alive', 'timeout=5'], 4000)).toBe(4000);
    expect(keepAliveLimitMs(['keep-alive', 'timeout=3, max=100'], 4000)).toBe(2000);
    expect(keepAliveLimitMs(['KEEP-ALIVE', 'max=100, timeout = 2'], 4000)).toBe(1000);
    expect(keepAliveLimitMs(['keep-alive', 'timeout=1'], 4000)).toBe(0);
    expect(keepAliveLimitMs(['keep-alive', 'timeout=0'], 4000)).toBe(0);
    expect(keepAliveLimitMs(['keep-alive', 'timeout=65'], 4000)).toBe(4000);
  });

  it('keeps the default without a usable hint', () => {
    expect(keepAliveLimitMs([], 4000)).toBe(4000);
    expect(keepAliveLimitMs(['content-type', 'timeout=1'], 4000)).toBe(4000);
    expect(keepAliveLimitMs(['keep-alive', 'max=5'], 4000)).toBe(4000);
    expect(keepAliveLimitMs(['keep-alive', 'xtimeout=1'], 4000)).toBe(4000);
  });
});

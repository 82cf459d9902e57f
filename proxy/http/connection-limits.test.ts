import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTION_LIMITS, connectionLimits, httpServerOptions } from './connection-limits.js';

describe('connection limits', () => {
  it('are the documented defaults unless overridden', () => {
    expect(connectionLimits()).toEqual({
      maxConnections: 4096,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000,
      timeoutCheckIntervalMs: 1_000,
    });
    expect(connectionLimits({ maxConnections: 2 })).toEqual({ ...DEFAULT_CONNECTION_LIMITS, maxConnections: 2 });
  });

  it('refuse a limit that is not a positive integer, naming it', () => {
    expect(() => connectionLimits({ maxConnections: 0 })).toThrow(
      /maxConnections must be a positive integer \(got 0\)/,
    );
    expect(() => connectionLimits({ headersTimeoutMs: 1.5 })).toThrow(/headersTimeoutMs/);
  });

  it("become Node's server options: header and keep-alive timeouts, checked every interval, no request timeout", () => {
    expect(httpServerOptions(connectionLimits({ headersTimeoutMs: 300, timeoutCheckIntervalMs: 50 }))).toEqual({
      noDelay: true,
      keepAlive: true,
      headersTimeout: 300,
      requestTimeout: 0,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 50,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { BUILTIN_DEFAULTS, worstCaseRetryBudgetMs } from '../../proxy/schema/config.js';
import { DEFAULT_UPSTREAM_TIMEOUT_MS, readServiceConfig, upstreamUrlVariable } from './config.js';
import { LogThrottle, formatLogLine } from './log.js';

describe('readServiceConfig', () => {
  it('reads identity, upstreams and knobs with defaults', () => {
    const config = readServiceConfig('catalog', ['pricing', 'inventory'], {
      PRICING_URL: 'http://127.0.0.1:15101/',
      INVENTORY_URL: 'http://127.0.0.1:15102',
      MESHDEV_INSTANCE: 'catalog-2',
      ERROR_RATE: '0.25',
    });
    expect(config).toMatchObject({
      identity: { service: 'catalog', instance: 'catalog-2', version: 'v1', mesh: 'local' },
      host: '127.0.0.1',
      port: 3000,
      upstreams: { pricing: 'http://127.0.0.1:15101', inventory: 'http://127.0.0.1:15102' },
      faults: { errorRate: 0.25, errorStatus: 500, latencyMs: 0, latencyJitterMs: 0 },
      upstreamTimeoutMs: 5000,
      logRequests: false,
    });
  });

  it('waits for an upstream longer than its sidecar may spend retrying on other instances', () => {
    // Shorter, and a frozen upstream instance fails the app's request before the sidecar's retry lands.
    expect(DEFAULT_UPSTREAM_TIMEOUT_MS).toBeGreaterThan(worstCaseRetryBudgetMs(BUILTIN_DEFAULTS.resilience));
  });

  it('names the variable and what was expected when a value is wrong', () => {
    expect(() => readServiceConfig('catalog', ['pricing'], {})).toThrow(
      /PRICING_URL is not set: expected the local sidecar/,
    );
    expect(() => readServiceConfig('gateway', ['catalog'], { CATALOG_URL: 'catalog:80' })).toThrow(
      /CATALOG_URL="catalog:80" must be an http/,
    );
    expect(() => readServiceConfig('pricing', [], { ERROR_RATE: '1.5' })).toThrow(
      'ERROR_RATE="1.5" is invalid: expected a number from 0 to 1',
    );
    expect(() => readServiceConfig('pricing', [], { PORT: 'http' })).toThrow(
      /PORT="http" is invalid: expected an integer/,
    );
    expect(() => readServiceConfig('pricing', [], { LOG_REQUESTS: 'maybe' })).toThrow(/LOG_REQUESTS="maybe"/);
  });

  it('derives the upstream variable from the service name', () => {
    expect(upstreamUrlVariable('order-history')).toBe('ORDER_HISTORY_URL');
  });
});

describe('logs', () => {
  it('formats logfmt, quoting only where needed', () => {
    expect(
      formatLogLine(new Date(0), 'warn', 'upstream call failed', { upstream: 'pricing', status: 502, note: undefined }),
    ).toBe('ts=1970-01-01T00:00:00.000Z level=warn msg="upstream call failed" upstream=pricing status=502');
  });

  it('throttles repeated events and counts what it held back', () => {
    let now = 0;
    const throttle = new LogThrottle(1000, () => now);
    expect(throttle.admit('a')).toBe(0);
    expect(throttle.admit('a')).toBeUndefined();
    expect(throttle.admit('b')).toBe(0);
    now = 500;
    expect(throttle.admit('a')).toBeUndefined();
    now = 1000;
    expect(throttle.admit('a')).toBe(2);
  });
});

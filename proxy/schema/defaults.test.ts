import { describe, expect, it } from 'vitest';
import { BALANCER_NAMES, BalancerNameSchema, isBalancerName } from './balancers.js';
import { BUILTIN_DEFAULTS, EffectiveConfig } from './config.js';
import * as defaults from './defaults.js';

describe('built-in defaults', () => {
  it('compose a live config the schema accepts as it is', () => {
    expect(EffectiveConfig.parse(BUILTIN_DEFAULTS)).toEqual(BUILTIN_DEFAULTS);
    expect(BUILTIN_DEFAULTS.balancer).toBe(defaults.DEFAULT_BALANCER);
    expect(BUILTIN_DEFAULTS.resilience.circuitBreaker).toEqual(defaults.DEFAULT_CIRCUIT_BREAKER);
    expect(BUILTIN_DEFAULTS.resilience.retries.budgetPercent).toBe(defaults.DEFAULT_RETRY_BUDGET.ratio * 100);
  });

  it('are frozen: a caller that spreads them cannot change them for everyone', () => {
    for (const [name, value] of Object.entries(defaults)) {
      if (typeof value === 'object') expect(Object.isFrozen(value), name).toBe(true);
    }
  });
});

describe('balancer names', () => {
  it('are the enum the live config accepts, listed once', () => {
    expect(BALANCER_NAMES).toEqual(BalancerNameSchema.options);
    expect(isBalancerName(defaults.DEFAULT_BALANCER)).toBe(true);
    expect(isBalancerName('peak-ewma')).toBe(true);
    expect(isBalancerName('toString')).toBe(false);
    expect(isBalancerName('Round-Robin')).toBe(false);
  });
});

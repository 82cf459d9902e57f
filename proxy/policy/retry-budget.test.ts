import { describe, expect, it } from 'vitest';
import { ConcurrentRetryBudget, MeshRetryBudget, RetryBudget } from './retry-budget.js';
import { FakeClock } from './testing.js';

function drain(budget: { tryWithdraw(): boolean }, max = 10_000): number {
  let granted = 0;
  while (granted < max && budget.tryWithdraw()) granted++;
  return granted;
}

describe('RetryBudget', () => {
  it('allows the floor of 10 retries per second without any traffic', () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock);
    expect(drain(budget)).toBe(10);
    expect(budget.tryWithdraw()).toBe(false);
    clock.advance(1000);
    expect(drain(budget)).toBe(10);
  });

  it('allows retries up to 20% of the requests in the window', () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock);
    for (let i = 0; i < 1000; i++) budget.recordRequest();
    expect(drain(budget)).toBe(200);
  });

  it('tops up as more requests arrive', () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock, { minRetriesPerSecond: 0 });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(drain(budget)).toBe(20);
    for (let i = 0; i < 5; i++) budget.recordRequest();
    expect(drain(budget)).toBe(1);
  });

  it('forgets requests once they leave the window', () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock, { minRetriesPerSecond: 0 });
    for (let i = 0; i < 500; i++) budget.recordRequest();
    clock.advance(5000);
    for (let i = 0; i < 500; i++) budget.recordRequest();
    clock.advance(5500); // the first 500 are now older than 10 s
    expect(budget.snapshot().requestsInWindow).toBe(500);
    expect(drain(budget)).toBe(100);
    clock.advance(60_000);
    expect(budget.snapshot()).toEqual({ requestsInWindow: 0, retriesInWindow: 0, available: 0 });
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('counts retries against the window too: spent retries expire with it', () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock, { minRetriesPerSecond: 0 });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(drain(budget)).toBe(20);
    clock.advance(10_000);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(drain(budget)).toBe(20);
  });

  it('canRetry does not spend; snapshot reports what is left', () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    for (let i = 0; i < 50; i++) expect(budget.canRetry()).toBe(true);
    expect(budget.snapshot()).toEqual({ requestsInWindow: 100, retriesInWindow: 0, available: 20 });
    drain(budget);
    expect(budget.canRetry()).toBe(false);
  });

  it('survives a clock that goes backwards', () => {
    const clock = new FakeClock(50_000);
    const budget = new RetryBudget(clock, { minRetriesPerSecond: 0 });
    for (let i = 0; i < 10; i++) budget.recordRequest();
    clock.set(40_000);
    expect(drain(budget)).toBe(2);
  });

  it('follows a live change of ratio and floor, keeping what the window counted', () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock, { ratio: 0, minRetriesPerSecond: 0 });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(false);
    budget.configure({ ratio: 0.5 });
    expect(drain(budget)).toBe(50);
    budget.configure({ minRetriesPerSecond: 3 });
    expect(drain(budget)).toBe(0); // this second's 3 are within the 50 already spent
    clock.advance(1000);
    expect(drain(budget)).toBe(3);
    expect(() => budget.configure({ ratio: -0.1 })).toThrow(/ratio/);
    expect(drain(budget)).toBe(0); // the rejected change left the budget as it was
  });

  it('a burst of slow failures is retried; a fast total outage gets at most the ratio plus the floor', () => {
    // 50 rps for 10 s, then a frozen instance's 20 requests time out within one second: all retried.
    const clock = new FakeClock(0);
    const budget = new RetryBudget(clock);
    for (let i = 0; i < 500; i++) {
      budget.recordRequest();
      clock.advance(20);
    }
    expect(drain(budget, 20)).toBe(20);
    // Every request fails at once for the next 10 s: retries add at most ~20% plus 10 a second.
    let retried = 0;
    for (let i = 0; i < 500; i++) {
      budget.recordRequest();
      if (budget.tryWithdraw()) retried++;
      clock.advance(20);
    }
    expect(retried).toBeLessThanOrEqual(0.2 * 500 + 10 * 10);
    expect(retried).toBeGreaterThanOrEqual(90);
  });

  it('rejects invalid options with the field name', () => {
    const clock = new FakeClock();
    expect(() => new RetryBudget(clock, { ratio: -1 })).toThrow(/ratio/);
    expect(() => new RetryBudget(clock, { windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new RetryBudget(clock, { buckets: 1.5 })).toThrow(/buckets/);
    expect(() => new RetryBudget(clock, { minRetriesPerSecond: Number.NaN })).toThrow(/minRetriesPerSecond/);
  });
});

describe('ConcurrentRetryBudget', () => {
  it('allows the minimum concurrent retries without traffic, more with more requests in flight', () => {
    const budget = new ConcurrentRetryBudget();
    expect(drain(budget)).toBe(3);
    for (let i = 0; i < 3; i++) budget.retryFinished();
    for (let i = 0; i < 100; i++) budget.requestStarted();
    expect(drain(budget)).toBe(20);
    budget.retryFinished();
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    expect(budget.snapshot()).toEqual({ activeRequests: 100, activeRetries: 20 });
  });

  it('follows a live change', () => {
    const budget = new ConcurrentRetryBudget({ budgetPercent: 0, minConcurrent: 0 });
    expect(budget.tryWithdraw()).toBe(false);
    budget.configure({ budgetPercent: 50, minConcurrent: 1 });
    budget.requestStarted();
    budget.requestStarted();
    budget.requestStarted();
    budget.requestStarted();
    expect(drain(budget)).toBe(2);
  });
});

describe('MeshRetryBudget', () => {
  const defaults = { budgetPercent: 20, budgetMinPerSecond: 10, budgetMinConcurrent: 3 };

  it('retries a burst of slow timeouts that the concurrency alone would refuse', () => {
    // 50 rps for 10 s, then a frozen instance's 20 requests time out within a second and their
    // retries are slow (nothing ends): 20 retries in flight, far above 3.
    const clock = new FakeClock(0);
    const budget = new MeshRetryBudget(clock, defaults);
    for (let i = 0; i < 500; i++) {
      budget.requestStarted();
      budget.requestFinished();
      clock.advance(20);
    }
    for (let i = 0; i < 20; i++) budget.requestStarted();
    expect(drain(budget, 20)).toBe(20);
  });

  it('retries fast failures that the window alone would refuse', () => {
    // Half of the requests fail fast, sequentially: every retry ends before the next one starts.
    const clock = new FakeClock(0);
    const budget = new MeshRetryBudget(clock, { ...defaults, budgetMinPerSecond: 0 });
    let granted = 0;
    for (let i = 0; i < 1000; i++) {
      budget.requestStarted();
      if (i % 2 === 0 && budget.tryWithdraw()) {
        granted++;
        budget.retryFinished();
      }
      budget.requestFinished();
      clock.advance(1);
    }
    expect(granted).toBe(500);
  });

  it('refuses a retry storm: retries beyond the window and piling up in flight', () => {
    const clock = new FakeClock(0);
    const budget = new MeshRetryBudget(clock, defaults);
    for (let i = 0; i < 100; i++) budget.requestStarted(); // 100 in flight, none finishing
    // The window gives 20% of 100 = 20 (the floor's 10 are within them); in flight, 20% of 100 = 20.
    expect(drain(budget)).toBe(20);
    budget.retryFinished(); // one ends: a place in flight
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('follows a live change', () => {
    const clock = new FakeClock(0);
    const budget = new MeshRetryBudget(clock, { budgetPercent: 0, budgetMinPerSecond: 0, budgetMinConcurrent: 0 });
    budget.requestStarted();
    expect(budget.tryWithdraw()).toBe(false);
    budget.configure({ budgetPercent: 0, budgetMinPerSecond: 0, budgetMinConcurrent: 2 });
    expect(drain(budget)).toBe(2);
    budget.configure({ budgetPercent: 0, budgetMinPerSecond: 5, budgetMinConcurrent: 2 });
    expect(drain(budget)).toBe(3); // this second's 5, of which the 2 above
  });
});

import { describe, expect, it } from 'vitest';
import type { AttemptOutcome, RetryBudgetGate, RetryContext, RetryPolicy } from './retry.js';
import { backoffDelayMs, decideRetry, DEFAULT_RETRY_POLICY, isIdempotentMethod, isRetryableOutcome } from './retry.js';
import { seededRng, sequenceRng } from './testing.js';

const status = (s: number): AttemptOutcome => ({ kind: 'response', status: s, reachedUpstream: true });
const connectFailure: AttemptOutcome = { kind: 'connect-failure', reachedUpstream: false };
const reset = (reachedUpstream: boolean): AttemptOutcome => ({ kind: 'reset', reachedUpstream });
const timeout = (reachedUpstream: boolean): AttemptOutcome => ({ kind: 'per-try-timeout', reachedUpstream });
const ctx = (c: Partial<RetryContext> = {}): RetryContext => ({
  method: 'GET',
  attempts: 1,
  remainingMs: Infinity,
  ...c,
});
const deps = { rng: () => 0.5 };

class CountingBudget implements RetryBudgetGate {
  calls = 0;
  constructor(private allow: boolean) {}
  tryWithdraw(): boolean {
    this.calls++;
    return this.allow;
  }
}

describe('DEFAULT_RETRY_POLICY', () => {
  it('documents the defaults', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxRetries: 2,
      timeoutMs: 15_000,
      perTryTimeoutMs: 1_000,
      retryOnStatuses: [502, 503, 504],
      retryOn: ['connect-failure', 'reset', 'per-try-timeout'],
      backoffBaseMs: 10,
      backoffMaxMs: 250,
    });
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
  });
});

describe('isIdempotentMethod', () => {
  it.each(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE', 'get', 'Delete'])('%s is idempotent', (m) => {
    expect(isIdempotentMethod(m)).toBe(true);
  });
  it.each(['POST', 'PATCH', 'CONNECT', 'post', 'PROPFIND', ''])('%s is not', (m) => {
    expect(isIdempotentMethod(m)).toBe(false);
  });
});

/** The defaults with a 25 ms backoff base: the backoff figures below are worked out for it. */
const BASE_25: RetryPolicy = { ...DEFAULT_RETRY_POLICY, backoffBaseMs: 25 };

describe('decideRetry', () => {
  it('retries a 503 to a GET after a jittered backoff', () => {
    const d = decideRetry(BASE_25, status(503), ctx(), deps);
    expect(d).toEqual({ retry: true, delayMs: 12 }); // 0.5 x 25 ms
  });

  it.each([200, 204, 304, 404, 429, 500, 501])('does not retry status %i by default', (s) => {
    expect(decideRetry(DEFAULT_RETRY_POLICY, status(s), ctx(), deps)).toEqual({
      retry: false,
      reason: 'not-retryable',
    });
  });

  it.each([502, 503, 504])('retries status %i', (s) => {
    expect(decideRetry(DEFAULT_RETRY_POLICY, status(s), ctx(), deps).retry).toBe(true);
  });

  it('retries configurable statuses only', () => {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, retryOnStatuses: [429] };
    expect(decideRetry(policy, status(429), ctx(), deps).retry).toBe(true);
    expect(decideRetry(policy, status(503), ctx(), deps)).toMatchObject({ reason: 'not-retryable' });
  });

  it('retries failures the policy lists, and only those', () => {
    expect(decideRetry(DEFAULT_RETRY_POLICY, connectFailure, ctx(), deps).retry).toBe(true);
    expect(decideRetry(DEFAULT_RETRY_POLICY, reset(true), ctx(), deps).retry).toBe(true);
    expect(decideRetry(DEFAULT_RETRY_POLICY, timeout(true), ctx(), deps).retry).toBe(true);
    const noTimeouts: RetryPolicy = { ...DEFAULT_RETRY_POLICY, retryOn: ['connect-failure'] };
    expect(decideRetry(noTimeouts, timeout(false), ctx(), deps)).toMatchObject({ reason: 'not-retryable' });
    expect(decideRetry(noTimeouts, reset(false), ctx(), deps)).toMatchObject({ reason: 'not-retryable' });
    expect(isRetryableOutcome(noTimeouts, connectFailure)).toBe(true);
  });

  describe('non-idempotent methods', () => {
    const post = ctx({ method: 'POST' });
    it('are retried when no byte reached the upstream', () => {
      expect(decideRetry(DEFAULT_RETRY_POLICY, connectFailure, post, deps).retry).toBe(true);
      expect(decideRetry(DEFAULT_RETRY_POLICY, reset(false), post, deps).retry).toBe(true);
      expect(decideRetry(DEFAULT_RETRY_POLICY, timeout(false), post, deps).retry).toBe(true);
    });
    it('are never sent twice once a byte reached the upstream', () => {
      for (const outcome of [status(503), reset(true), timeout(true)]) {
        expect(decideRetry(DEFAULT_RETRY_POLICY, outcome, post, deps)).toEqual({
          retry: false,
          reason: 'not-idempotent',
        });
      }
      expect(decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx({ method: 'PATCH' }), deps).retry).toBe(false);
    });
  });

  it('stops after maxRetries retries', () => {
    expect(decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx({ attempts: 2 }), deps).retry).toBe(true);
    expect(decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx({ attempts: 3 }), deps)).toEqual({
      retry: false,
      reason: 'attempts-exhausted',
    });
    const off: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetries: 0 };
    expect(decideRetry(off, connectFailure, ctx(), deps)).toMatchObject({ reason: 'attempts-exhausted' });
  });

  it('stops when the backoff would run past the overall deadline', () => {
    const rng = () => 0.9; // 22 ms on the first retry
    expect(decideRetry(BASE_25, status(503), ctx({ remainingMs: 22 }), { rng })).toMatchObject({
      reason: 'deadline',
    });
    expect(decideRetry(BASE_25, status(503), ctx({ remainingMs: 23 }), { rng })).toEqual({
      retry: true,
      delayMs: 22,
    });
    expect(decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx({ remainingMs: 0 }), { rng: () => 0 })).toMatchObject({
      reason: 'deadline',
    });
  });

  it('asks the budget last, and only when everything else allows a retry', () => {
    const refusing = new CountingBudget(false);
    expect(decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx(), { ...deps, budget: refusing })).toEqual({
      retry: false,
      reason: 'budget-exhausted',
    });
    expect(refusing.calls).toBe(1);
    const allowing = new CountingBudget(true);
    decideRetry(DEFAULT_RETRY_POLICY, status(500), ctx(), { ...deps, budget: allowing });
    decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx({ method: 'POST' }), { ...deps, budget: allowing });
    decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx({ attempts: 3 }), { ...deps, budget: allowing });
    decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx({ remainingMs: 0 }), { rng: () => 0, budget: allowing });
    expect(allowing.calls).toBe(0);
    expect(decideRetry(DEFAULT_RETRY_POLICY, status(503), ctx(), { ...deps, budget: allowing }).retry).toBe(true);
    expect(allowing.calls).toBe(1);
  });

  it('returns the same object for the same refusal (no allocation)', () => {
    const a = decideRetry(DEFAULT_RETRY_POLICY, status(200), ctx(), deps);
    const b = decideRetry(DEFAULT_RETRY_POLICY, status(404), ctx(), deps);
    expect(a).toBe(b);
  });
});

describe('backoffDelayMs', () => {
  it('doubles the cap per retry up to the maximum, with full jitter below it', () => {
    const policy = BASE_25;
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelayMs(policy, n, almostOne))).toEqual([
      24, 49, 99, 199, 249, 249, 249,
    ]);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
  });

  it('stays within [0, cap) and covers the range', () => {
    const rng = seededRng(9);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 10_000; i++) {
      const d = backoffDelayMs(BASE_25, 2, rng);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    expect(min).toBe(0);
    expect(max).toBe(49);
  });

  it('is 0 with a 0 base', () => {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, backoffBaseMs: 0 };
    expect(backoffDelayMs(policy, 4, sequenceRng([0.7]))).toBe(0);
  });
});

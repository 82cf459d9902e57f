/**
 * Whether to retry a failed attempt, and after how long: a pure chain of guard clauses (the shape of
 * undici's retry handler), each returning a reason to stop; what survives them all is retried with
 * exponential backoff and full jitter. The data path makes the attempts, measures time and keeps the
 * budget; this module only decides.
 */
import { backoffCapMs } from '../schema/config.js';
import { DEFAULT_RETRY_POLICY as SCHEMA_DEFAULT_RETRY_POLICY } from '../schema/defaults.js';
import type { Rng } from './types.js';

/** Failure kinds that are not responses. Per-try timeout = no response headers within perTryTimeoutMs. */
export type RetryableFailure = 'connect-failure' | 'reset' | 'per-try-timeout';

/**
 * How one attempt ended. `reachedUpstream` says whether any byte of the request was written to the
 * upstream's socket: once it was, the upstream may have acted on it, so only idempotent methods may be
 * sent again. (A connect failure never reached it; a response always did.)
 */
export type AttemptOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly reachedUpstream: true }
  | { readonly kind: 'connect-failure'; readonly reachedUpstream: false }
  | { readonly kind: 'reset'; readonly reachedUpstream: boolean }
  | { readonly kind: 'per-try-timeout'; readonly reachedUpstream: boolean };

export interface RetryPolicy {
  /** Retries after the first try; 0 disables retrying. */
  readonly maxRetries: number;
  /** Whole request, all tries and backoffs included, until response headers arrive. */
  readonly timeoutMs: number;
  /** One try, until its response headers arrive; the data path enforces it. */
  readonly perTryTimeoutMs: number;
  /** Response statuses worth another try (another endpoint may well succeed). */
  readonly retryOnStatuses: readonly number[];
  /** Failures worth another try. */
  readonly retryOn: readonly RetryableFailure[];
  /** Backoff before retry n (1-based) is uniform in [0, min(backoffMaxMs, backoffBaseMs * 2^(n-1))). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** The sidecar's built-in retry defaults, written once in the schema (explained there). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = SCHEMA_DEFAULT_RETRY_POLICY;

/** What `decideRetry` consults last, when everything else allows a retry (see `RetryBudget`). */
export interface RetryBudgetGate {
  /** Takes one retry from the budget; false when the budget is spent. */
  tryWithdraw(): boolean;
}

export interface RetryContext {
  /** HTTP method of the request (any case). */
  readonly method: string;
  /** Tries made so far, including the one that produced the outcome (1 after the first try). */
  readonly attempts: number;
  /** Milliseconds left before the overall deadline (`Infinity` when there is none). */
  readonly remainingMs: number;
}

export type NoRetryReason =
  /** The outcome is a success or a status/failure the policy does not retry. */
  | 'not-retryable'
  /** The method is not idempotent and the request already reached the upstream. */
  | 'not-idempotent'
  /** maxRetries retries were already made. */
  | 'attempts-exhausted'
  /** The backoff alone would run past the overall deadline. */
  | 'deadline'
  /** The retry budget is spent (too many retries upstream-wide already). */
  | 'budget-exhausted';

export type RetryDecision =
  { readonly retry: false; readonly reason: NoRetryReason } | { readonly retry: true; readonly delayMs: number };

// One frozen object per reason: the common "no retry" answer allocates nothing.
const STOP: { readonly [R in NoRetryReason]: RetryDecision } = Object.freeze({
  'not-retryable': Object.freeze({ retry: false, reason: 'not-retryable' }),
  'not-idempotent': Object.freeze({ retry: false, reason: 'not-idempotent' }),
  'attempts-exhausted': Object.freeze({ retry: false, reason: 'attempts-exhausted' }),
  deadline: Object.freeze({ retry: false, reason: 'deadline' }),
  'budget-exhausted': Object.freeze({ retry: false, reason: 'budget-exhausted' }),
});

/** RFC 9110 idempotent methods: sending one twice has the same effect as sending it once. */
export function isIdempotentMethod(method: string): boolean {
  switch (method) {
    case 'GET':
    case 'HEAD':
    case 'OPTIONS':
    case 'TRACE':
    case 'PUT':
    case 'DELETE':
      return true;
    default:
      // Node gives upper case already; only pay for toUpperCase on odd input.
      return method !== method.toUpperCase() && isIdempotentMethod(method.toUpperCase());
  }
}

/** Whether the policy lists this outcome as worth retrying (ignoring method, attempts and budget). */
export function isRetryableOutcome(policy: RetryPolicy, outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'response') return policy.retryOnStatuses.includes(outcome.status);
  return policy.retryOn.includes(outcome.kind);
}

/** Backoff before retry number `retry` (1-based): full jitter over an exponentially growing cap. */
export function backoffDelayMs(policy: RetryPolicy, retry: number, rng: Rng): number {
  return Math.floor(rng() * backoffCapMs(policy, retry));
}

/**
 * Decides about the attempt that just ended. Guards run cheapest and most fundamental first; the
 * budget is consulted last because asking it spends a retry.
 */
export function decideRetry(
  policy: RetryPolicy,
  outcome: AttemptOutcome,
  context: RetryContext,
  deps: { readonly rng: Rng; readonly budget?: RetryBudgetGate },
): RetryDecision {
  if (!isRetryableOutcome(policy, outcome)) return STOP['not-retryable'];
  if (outcome.reachedUpstream && !isIdempotentMethod(context.method)) return STOP['not-idempotent'];
  if (context.attempts > policy.maxRetries) return STOP['attempts-exhausted'];
  const delayMs = backoffDelayMs(policy, context.attempts, deps.rng);
  if (delayMs >= context.remainingMs) return STOP.deadline;
  if (deps.budget !== undefined && !deps.budget.tryWithdraw()) return STOP['budget-exhausted'];
  return { retry: true, delayMs };
}

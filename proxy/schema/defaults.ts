import type { BalancerName } from './balancers.js';

/**
 * Every built-in default of the sidecar, written once. The schema composes them into the live
 * config that applies when Consul KV holds nothing (`BUILTIN_DEFAULTS`, config.ts); the decision
 * modules in proxy/policy/ take their defaults from here, and the CLI offers them as its defaults.
 * Plain frozen values: the schema imports nothing from the rest of proxy/.
 */

/** Round robin: no state to warm up, and an even spread is what a demo mesh expects to see. */
export const DEFAULT_BALANCER: BalancerName = 'round-robin';

/**
 * Retries (proxy/policy/retry.ts; why 1 s per try is explained at BUILTIN_DEFAULTS): two retries,
 * 15 s overall (Envoy's route timeout) and 1 s per try, retry on connect failure, reset, per-try
 * timeout and 502/503/504 (statuses a proxy or an overloaded server returns, where another endpoint
 * is likely to do better), backoff 10 ms doubling to at most 250 ms with full jitter (jitter spreads
 * retries of many clients).
 */
export const DEFAULT_RETRY_POLICY = Object.freeze({
  maxRetries: 2,
  timeoutMs: 15_000,
  perTryTimeoutMs: 1_000,
  retryOnStatuses: Object.freeze([502, 503, 504]),
  retryOn: Object.freeze(['connect-failure', 'reset', 'per-try-timeout'] as const),
  backoffBaseMs: 10,
  backoffMaxMs: 250,
});

/**
 * Retry budget over a sliding window (proxy/policy/retry-budget.ts, `RetryBudget`): retries add at
 * most 20% load over the last 10 s, plus 10 retries in any second for a quiet upstream.
 */
export const DEFAULT_RETRY_BUDGET = Object.freeze({
  ratio: 0.2,
  windowMs: 10_000,
  minRetriesPerSecond: 10,
  buckets: 10,
});

/** Retries in flight (`ConcurrentRetryBudget`): Envoy's retry_budget defaults, 20% and at least 3. */
export const DEFAULT_CONCURRENT_RETRY_BUDGET = Object.freeze({
  budgetPercent: 20,
  minConcurrent: 3,
});

/**
 * Outlier detection (proxy/policy/outlier-detector.ts). Detection must be fast: at 20 rps over 3
 * endpoints a dead endpoint gets ~6.7 rps, so 3 gateway errors in a row eject it in ~0.45 s; an
 * endpoint answering 500 to everything needs 5 in a row (~0.75 s). An ejection lasts 10 s, 20 s,
 * 30 s ... up to 5 min while the endpoint keeps failing right after coming back. Up to half the
 * endpoints may be ejected; below 50% healthy, panic.
 */
export const DEFAULT_OUTLIER_DETECTION = Object.freeze({
  consecutive5xx: 5,
  consecutiveGatewayErrors: 3,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 50,
  panicThresholdPercent: 50,
});

/**
 * Circuit breaker (proxy/policy/circuit-breaker.ts). Generous: a laptop mesh should hit these only
 * when something is really wrong (or in a demo).
 */
export const DEFAULT_CIRCUIT_BREAKER = Object.freeze({
  maxConcurrent: 1024,
  maxPending: 1024,
});

/**
 * Slow start (proxy/policy/slow-start.ts). The window is 30 s: at its default floor of 10% a new
 * endpoint takes a tenth of its share for the first 3 s (the coldest ones: a fresh Node process
 * loads modules and compiles its request path on first use), then its share grows linearly and it
 * carries all of it after 30 s, having served hundreds of requests at a reduced rate by then
 * (enough for V8 to optimise the hot functions) while a restarted instance is back to full capacity
 * within half a minute. Aggression and the floor are Envoy's defaults.
 */
export const DEFAULT_SLOW_START = Object.freeze({
  windowMs: 30_000,
  aggression: 1,
  minWeightPercent: 10,
});

/** Every request is logged unless a document samples less. */
export const DEFAULT_ACCESS_LOG = Object.freeze({ sampleRate: 1 });

/**
 * The status a `flaky` fault answers its first N requests with when the document names none: 503
 * is what an instance still starting or briefly overloaded answers, the case flaky stands for.
 */
export const DEFAULT_FLAKY_STATUS = 503;

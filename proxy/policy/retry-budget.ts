/**
 * Retry budgets keep retries from multiplying load when an upstream is already failing: without one,
 * 3 tries per request triple the traffic into an outage. Two classic models, each with a blind spot:
 *
 *  - `RetryBudget` (linkerd2-proxy, Finagle): retries may be at most `ratio` of the requests seen in
 *    a sliding window, plus a small per-second floor so a quiet upstream can still be retried. It
 *    refuses cheap retries too: with half of the requests failing fast, most retries are refused
 *    although each costs the upstream a millisecond.
 *  - `ConcurrentRetryBudget` (Envoy's retry_budget): retries in flight may be at most a percentage
 *    of requests in flight, but never fewer than a minimum. It refuses a burst of slow retries: when
 *    a frozen instance's requests all time out within a second on a loaded host, the retries that
 *    follow are as slow as the host, pile up beyond 3 and are refused although they add a few
 *    percent of load.
 *
 * `MeshRetryBudget`, what the sidecar uses, refuses a retry only when both would: when retries are
 * numerous relative to recent traffic AND piling up in flight. That is a retry storm into a slow
 * upstream, which is what a budget is for; a burst of timeouts or a flood of fast errors passes.
 *
 * All are plain counters with an injected clock: O(1) per call, no allocation, no timers.
 */
import {
  DEFAULT_CONCURRENT_RETRY_BUDGET as SCHEMA_DEFAULT_CONCURRENT_RETRY_BUDGET,
  DEFAULT_RETRY_BUDGET as SCHEMA_DEFAULT_RETRY_BUDGET,
} from '../schema/defaults.js';
import type { RetryBudgetGate } from './retry.js';
import type { Clock } from './types.js';

export interface RetryBudgetOptions {
  /** Retries allowed per request seen in the window (0.2 = retries add at most 20% load). */
  ratio: number;
  /** Length of the sliding window. */
  windowMs: number;
  /** Retries allowed in any second regardless of the ratio (the floor for low traffic). */
  minRetriesPerSecond: number;
  /** Resolution of the window: it slides one bucket (windowMs / buckets) at a time. */
  buckets: number;
}

/** Built-in defaults, written once in the schema (explained there). */
export const DEFAULT_RETRY_BUDGET: Readonly<RetryBudgetOptions> = SCHEMA_DEFAULT_RETRY_BUDGET;

export interface RetryBudgetSnapshot {
  requestsInWindow: number;
  retriesInWindow: number;
  /** Retries the budget would still allow right now. */
  available: number;
}

function validate(o: RetryBudgetOptions): void {
  if (!(o.ratio >= 0)) throw new RangeError(`retry budget ratio must be >= 0, got ${o.ratio}`);
  if (!(o.windowMs > 0)) throw new RangeError(`retry budget windowMs must be > 0, got ${o.windowMs}`);
  if (!(o.minRetriesPerSecond >= 0)) {
    throw new RangeError(`retry budget minRetriesPerSecond must be >= 0, got ${o.minRetriesPerSecond}`);
  }
  if (!Number.isInteger(o.buckets) || o.buckets < 1) {
    throw new RangeError(`retry budget buckets must be an integer >= 1, got ${o.buckets}`);
  }
}

export class RetryBudget implements RetryBudgetGate {
  private options: RetryBudgetOptions;
  private readonly bucketMs: number;
  private floorPerBucket: number;
  private readonly requests: Float64Array;
  private readonly retries: Float64Array;
  private requestSum = 0;
  private retrySum = 0;
  /** Absolute bucket number (floor(now / bucketMs)) the current slot holds. */
  private currentBucket: number;

  constructor(
    private readonly clock: Clock,
    options: Partial<RetryBudgetOptions> = {},
  ) {
    const o = { ...DEFAULT_RETRY_BUDGET, ...options };
    validate(o);
    this.options = o;
    this.bucketMs = o.windowMs / o.buckets;
    this.floorPerBucket = (o.minRetriesPerSecond * this.bucketMs) / 1000;
    this.requests = new Float64Array(o.buckets);
    this.retries = new Float64Array(o.buckets);
    this.currentBucket = Math.floor(clock.now() / this.bucketMs);
  }

  /** Counts one request (a first try; retries are not requests). `now`: see types.ts. */
  recordRequest(now?: number): void {
    const slot = this.advance(now);
    this.requests[slot]!++;
    this.requestSum++;
  }

  /** Spends one retry if the budget allows it. */
  tryWithdraw(now?: number): boolean {
    if (!this.canRetry(now)) return false;
    this.spend(now);
    return true;
  }

  /** Whether a retry would be allowed now, without spending it. */
  canRetry(now?: number): boolean {
    const slot = this.advance(now);
    return this.retrySum < this.options.ratio * this.requestSum || this.retries[slot]! < this.floorPerBucket;
  }

  /** Counts a retry (one another gate allowed, too: the ratio stays the truth about retry load). */
  spend(now?: number): void {
    const slot = this.advance(now);
    this.retries[slot]!++;
    this.retrySum++;
  }

  /** Live config: a new ratio and floor apply at once; what the window has counted stays. */
  configure(options: Partial<Pick<RetryBudgetOptions, 'ratio' | 'minRetriesPerSecond'>>): void {
    const o = { ...this.options, ...options };
    validate(o);
    this.options = o;
    this.floorPerBucket = (o.minRetriesPerSecond * this.bucketMs) / 1000;
  }

  snapshot(): RetryBudgetSnapshot {
    const slot = this.advance();
    const byRatio = Math.max(0, Math.floor(this.options.ratio * this.requestSum - this.retrySum));
    const byFloor = Math.max(0, Math.ceil(this.floorPerBucket - this.retries[slot]!));
    return { requestsInWindow: this.requestSum, retriesInWindow: this.retrySum, available: Math.max(byRatio, byFloor) };
  }

  /** Rotates out buckets older than the window; returns the slot of the current bucket. */
  private advance(now: number = this.clock.now()): number {
    const n = this.options.buckets;
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket > this.currentBucket) {
      const stale = Math.min(bucket - this.currentBucket, n);
      for (let i = 1; i <= stale; i++) {
        const slot = (this.currentBucket + i) % n;
        this.requestSum -= this.requests[slot]!;
        this.retrySum -= this.retries[slot]!;
        this.requests[slot] = 0;
        this.retries[slot] = 0;
      }
      this.currentBucket = bucket;
    }
    // A clock that went backwards keeps counting into the current bucket.
    return this.currentBucket % n;
  }
}

export interface ConcurrentRetryBudgetOptions {
  /** Retries in flight allowed as a percentage of requests in flight. */
  budgetPercent: number;
  /** Retries in flight always allowed, whatever the percentage says. */
  minConcurrent: number;
}

/** Built-in defaults, written once in the schema (explained there). */
export const DEFAULT_CONCURRENT_RETRY_BUDGET: Readonly<ConcurrentRetryBudgetOptions> =
  SCHEMA_DEFAULT_CONCURRENT_RETRY_BUDGET;

/**
 * Envoy's model. The data path reports requests starting and finishing (`requestStarted` /
 * `requestFinished`) and, for every retry it was granted, `retryFinished` when that retry ends.
 */
export class ConcurrentRetryBudget implements RetryBudgetGate {
  private activeRequests = 0;
  private activeRetries = 0;

  constructor(private options: ConcurrentRetryBudgetOptions = DEFAULT_CONCURRENT_RETRY_BUDGET) {}

  configure(options: ConcurrentRetryBudgetOptions): void {
    this.options = options;
  }

  requestStarted(): void {
    this.activeRequests++;
  }
  requestFinished(): void {
    if (this.activeRequests > 0) this.activeRequests--;
  }

  tryWithdraw(): boolean {
    if (!this.canRetry()) return false;
    this.activeRetries++;
    return true;
  }

  canRetry(): boolean {
    return (
      this.activeRetries <
      Math.max(this.options.minConcurrent, (this.options.budgetPercent / 100) * this.activeRequests)
    );
  }

  /** Counts a retry in flight that another gate allowed. */
  spend(): void {
    this.activeRetries++;
  }

  retryFinished(): void {
    if (this.activeRetries > 0) this.activeRetries--;
  }

  snapshot(): { activeRequests: number; activeRetries: number } {
    return { activeRequests: this.activeRequests, activeRetries: this.activeRetries };
  }
}

/** Named as in the live config (`resilience.retries`), which is passed as is. */
export interface MeshRetryBudgetOptions {
  /** Retries as a percentage of the requests of the window and of the requests in flight. */
  budgetPercent: number;
  /** Retries allowed in any second by the window, whatever the traffic. */
  budgetMinPerSecond: number;
  /** Retries allowed in flight, whatever the traffic. */
  budgetMinConcurrent: number;
}

/**
 * The sidecar's budget (see the top of this module): a retry is refused only when the window and the
 * concurrency both refuse it; a granted retry counts in both. The data path reports every request's
 * start and end and every granted retry's end.
 */
export class MeshRetryBudget implements RetryBudgetGate {
  private readonly window: RetryBudget;
  private readonly concurrent: ConcurrentRetryBudget;

  constructor(clock: Clock, options: MeshRetryBudgetOptions) {
    this.window = new RetryBudget(clock, MeshRetryBudget.windowOptions(options));
    this.concurrent = new ConcurrentRetryBudget(MeshRetryBudget.concurrentOptions(options));
  }

  private static windowOptions(o: MeshRetryBudgetOptions): { ratio: number; minRetriesPerSecond: number } {
    return { ratio: o.budgetPercent / 100, minRetriesPerSecond: o.budgetMinPerSecond };
  }

  private static concurrentOptions(o: MeshRetryBudgetOptions): ConcurrentRetryBudgetOptions {
    return { budgetPercent: o.budgetPercent, minConcurrent: o.budgetMinConcurrent };
  }

  configure(options: MeshRetryBudgetOptions): void {
    this.window.configure(MeshRetryBudget.windowOptions(options));
    this.concurrent.configure(MeshRetryBudget.concurrentOptions(options));
  }

  /** `now`: the request's start on the budget's clock, when the caller has it already. */
  requestStarted(now?: number): void {
    this.window.recordRequest(now);
    this.concurrent.requestStarted();
  }

  requestFinished(): void {
    this.concurrent.requestFinished();
  }

  tryWithdraw(): boolean {
    if (!this.concurrent.canRetry() && !this.window.canRetry()) return false;
    this.concurrent.spend();
    this.window.spend();
    return true;
  }

  retryFinished(): void {
    this.concurrent.retryFinished();
  }
}
